//! Image uploads: checked by content and size, stored once, served back.

use serde_json::json;
use tests::{Backend, TestApp, both};

fn png(extra: usize) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend(std::iter::repeat_n(7u8, extra));
    b
}

async fn a_kitchen_uploads_a_photo_and_uses_it_on_a_product(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kitchen = app.demo_token("huaqiao").await;
    let r = app.upload("buns.png", &png(1_000), Some(&kitchen)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["content_type"], "image/png");
    let url = r.body["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("/media/") && url.ends_with(".png"));
    // The same bytes again: the same URL, stored once.
    let again = app
        .upload("other-name.png", &png(1_000), Some(&kitchen))
        .await;
    assert_eq!(again.body["url"], url.as_str());
    assert_eq!(app.count("media").await, 1);

    let served = app
        .send(app.client.get(format!("{}{url}", app.address)))
        .await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/png"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    let p = app
        .post(
            "/api/v1/merchant/products",
            json!({"name": "有图的包子", "unit": "份", "cold_chain": "ambient", "weight_g": 300, "images": [url]}),
            Some(&kitchen),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    assert_eq!(p.body["images"][0], url.as_str());
    assert_eq!(app.get("/media/../../etc/passwd", None).await.status, 404);
    let missing = format!("/media/{}.png", "0".repeat(64));
    assert_eq!(app.get(&missing, None).await.code(), "NOT_FOUND");
}

async fn uploads_are_checked_by_content_and_size(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kitchen = app.demo_token("huaqiao").await;
    let fake = app
        .upload("photo.png", b"<svg onload=alert(1)></svg>", Some(&kitchen))
        .await;
    assert_eq!(
        (fake.status, fake.code()),
        (415, "UNSUPPORTED_IMAGE"),
        "{}",
        fake.text
    );
    let big = app
        .upload("huge.png", &png(70 * 1024), Some(&kitchen))
        .await;
    assert_eq!(
        (big.status, big.code()),
        (413, "PAYLOAD_TOO_LARGE"),
        "{}",
        big.text
    );
    let resident = app.demo_token("passerby").await;
    let r = app.upload("me.png", &png(10), Some(&resident)).await;
    assert_eq!(r.status, 403);
    assert_eq!(app.count("media").await, 0, "refused uploads were recorded");
}

both!(
    a_kitchen_uploads_a_photo_and_uses_it_on_a_product,
    uploads_are_checked_by_content_and_size,
);
