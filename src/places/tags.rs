//! The tag vocabulary. Tags are a fixed list so that filters match reliably
//! and the index can keep them as a bit set.

/// At most 32 (they are bits of a `u32`).
pub const TAGS: [&str; 16] = [
    "老字号",
    "离境退税",
    "免税",
    "地铁站",
    "无理由退货",
    "先行赔付",
    "24小时",
    "夜间营业",
    "支持消费券",
    "以旧换新",
    "可停车",
    "无障碍",
    "外卖",
    "适老化",
    "母婴室",
    "宠物友好",
];

pub fn bit(tag: &str) -> Option<u32> {
    TAGS.iter().position(|t| *t == tag).map(|i| 1 << i)
}

/// The bit set of a list of tags, or the first unknown tag.
pub fn mask<'a>(tags: impl IntoIterator<Item = &'a str>) -> Result<u32, &'a str> {
    let mut mask = 0;
    for tag in tags {
        mask |= bit(tag).ok_or(tag)?;
    }
    Ok(mask)
}

pub fn names(mask: u32) -> impl Iterator<Item = &'static str> {
    TAGS.iter()
        .enumerate()
        .filter(move |(i, _)| mask & (1 << i) != 0)
        .map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip_through_the_mask() {
        let m = mask(["老字号", "地铁站"]).unwrap();
        assert_eq!(names(m).collect::<Vec<_>>(), ["老字号", "地铁站"]);
        assert_eq!(mask(["老字号", "火星"]), Err("火星"));
        assert_eq!(mask([]), Ok(0));
    }
}
