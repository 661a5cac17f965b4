//! The merchant's own list of cases against it, as the console shows it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::complaints::{HOTPOT, NOODLES, file, filing};
use crate::helpers::spawn_app;

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["number"].as_str().expect("number").to_owned())
        .collect()
}

#[actix_web::test]
async fn a_merchant_lists_the_cases_against_its_merchants_newest_first_without_complainant_data() {
    let app = spawn_app().await;
    let resident = app.login("demo-resident").await;
    let merchant = app.login("demo-merchant").await;

    let noodles = file(&app, &resident, filing(NOODLES, "小面馆多收锅底费")).await;
    let hotpot = file(&app, &resident, filing(HOTPOT, "火锅店菜品分量不足")).await;
    // A respondent that is no merchant on Yuhui: nobody's list shows it.
    let mut street = filing(NOODLES, "路边摊缺斤少两");
    street
        .as_object_mut()
        .expect("object")
        .remove("merchant_id");
    street["respondent"] = json!({ "name": "解放碑路边水果摊", "address": "重庆市渝中区八一路 1 号", "district_code": "500103" });
    file(&app, &resident, street).await;

    let all = app
        .get("/api/v1/merchant/complaints", Some(&merchant))
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    // The seed data holds older cases against the demo merchants too.
    assert_eq!(
        numbers(&all.body)[..2],
        [
            hotpot["number"].as_str().unwrap(),
            noodles["number"].as_str().unwrap()
        ]
    );
    assert!(!all.text.contains("路边摊"), "{}", all.text);
    assert!(!all.text.contains("王小明"), "{}", all.text);
    assert!(!all.text.contains("13912345678"), "{}", all.text);

    // The ODR merchant's case waits in its window; the other went to the bureau.
    let window = app
        .get(
            "/api/v1/merchant/complaints?status=merchant_window",
            Some(&merchant),
        )
        .await;
    assert_eq!(
        numbers(&window.body)[..1],
        [hotpot["number"].as_str().unwrap()]
    );
    assert!(
        window.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "merchant_window"),
        "{}",
        window.text
    );

    let first = app
        .get("/api/v1/merchant/complaints?limit=1", Some(&merchant))
        .await;
    assert_eq!(numbers(&first.body), [hotpot["number"].as_str().unwrap()]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(
            &format!("/api/v1/merchant/complaints?limit=1&cursor={cursor}"),
            Some(&merchant),
        )
        .await;
    assert_eq!(numbers(&second.body), [noodles["number"].as_str().unwrap()]);

    let unknown = app
        .get("/api/v1/merchant/complaints?status=lost", Some(&merchant))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    let refused = app
        .get("/api/v1/merchant/complaints", Some(&resident))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}
