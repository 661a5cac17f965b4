//! Subscribe-message payloads within WeChat's field rules: a `thing` value
//! is at most 20 characters, a `phrase` at most 5, a `character_string` at
//! most 32 (47003 otherwise).

use serde_json::{Value, json};

fn cut(text: &str, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        text.to_owned()
    } else {
        let mut s: String = chars[..max - 1].iter().collect();
        s.push('…');
        s
    }
}

pub fn thing(text: &str) -> String {
    cut(text, 20)
}

pub fn phrase(text: &str) -> String {
    cut(text, 5)
}

pub fn character_string(text: &str) -> String {
    cut(text, 32)
}

/// The complaint-progress message: case number, title, new state, time, note.
#[allow(clippy::too_many_arguments)]
pub fn complaint_progress(
    touser: &str,
    template_id: &str,
    complaint_id: &str,
    number: &str,
    title: &str,
    state_name: &str,
    when: &str,
    note: &str,
) -> Value {
    json!({
        "touser": touser,
        "template_id": template_id,
        "page": format!("pages/complaint/detail?id={complaint_id}"),
        "data": {
            "character_string1": { "value": character_string(number) },
            "thing2": { "value": thing(title) },
            "phrase3": { "value": phrase(state_name) },
            "time4": { "value": when },
            "thing5": { "value": thing(note) },
        },
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    })
}

/// The trade-in review message: category, result, subsidy, time, reason.
#[allow(clippy::too_many_arguments)]
pub fn trade_in_review(
    touser: &str,
    template_id: &str,
    application_id: &str,
    category_name: &str,
    result: &str,
    subsidy_fen: i64,
    when: &str,
    note: &str,
) -> Value {
    json!({
        "touser": touser,
        "template_id": template_id,
        "page": format!("pages/trade-in/detail?id={application_id}"),
        "data": {
            "thing1": { "value": thing(category_name) },
            "phrase2": { "value": phrase(result) },
            "amount3": { "value": format!("{}.{:02}元", subsidy_fen / 100, subsidy_fen % 100) },
            "time4": { "value": when },
            "thing5": { "value": thing(note) },
        },
        "miniprogram_state": "formal",
        "lang": "zh_CN",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_to_the_template_rules() {
        let long = "商家拒绝履行七天无理由退货承诺并且态度恶劣要求赔偿";
        assert_eq!(thing(long).chars().count(), 20);
        assert!(thing(long).ends_with('…'));
        assert_eq!(thing("短标题"), "短标题");
        assert_eq!(phrase("已受理"), "已受理");
        assert_eq!(phrase("调解中但暂停").chars().count(), 5);
        let m = complaint_progress(
            "o1",
            "t1",
            "id",
            "YH20261127000001",
            long,
            "已受理",
            "2026-11-27 10:00",
            "note",
        );
        assert_eq!(
            m["data"]["thing2"]["value"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            20
        );
        assert_eq!(m["touser"], "o1");
    }
}
