//! Operators manage the service area; residents' addresses are classified
//! against it; one county never sees another's.

use reqwest::Method;
use serde_json::json;
use tests::app::second_platform_operator;
use tests::{Backend, TestApp, both};

async fn operators_manage_the_service_area(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let op = app.operator_token().await;
    let t = Some(op.as_str());

    let c = app
        .post("/api/v1/admin/communities", json!({"name": "北关社区", "center": {"lat": 33.3380, "lng": 105.6100}, "radius_m": 600}), t)
        .await;
    assert_eq!(c.status, 201, "{}", c.text);
    let cid = c.body["id"].as_i64().unwrap();
    let dup = app
        .post(
            "/api/v1/admin/communities",
            json!({"name": "北关社区", "center": {"lat": 33.3, "lng": 105.6}, "radius_m": 600}),
            t,
        )
        .await;
    assert_eq!(dup.status, 409, "{}", dup.text);
    let bad = app
        .post(
            "/api/v1/admin/communities",
            json!({"name": "x", "center": {"lat": 33.3, "lng": 105.6}, "radius_m": 10}),
            t,
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["errors"][0]["field"], "radius_m");
    let off_earth = app
        .post(
            "/api/v1/admin/communities",
            json!({"name": "y", "center": {"lat": 133.3, "lng": 105.6}, "radius_m": 500}),
            t,
        )
        .await;
    assert_eq!(off_earth.status, 422, "{}", off_earth.text);
    let moved = app
        .send_json(Method::PUT, &format!("/api/v1/admin/communities/{cid}"), Some(json!({"name": "北关社区", "center": {"lat": 33.3381, "lng": 105.6101}, "radius_m": 900})), t)
        .await;
    assert_eq!(moved.status, 200);
    assert_eq!(moved.body["radius_m"], 900);
    let list = app.get("/api/v1/admin/communities", t).await;
    assert_eq!(list.body.as_array().unwrap().len(), 5);

    let v = app
        .post("/api/v1/admin/villages", json!({"name": "寺台村", "township": "寺台镇", "location": {"lat": 33.3801, "lng": 105.5003}}), t)
        .await;
    assert_eq!(v.status, 201, "{}", v.text);
    let vid = v.body["id"].as_i64().unwrap();
    let p = app
        .post("/api/v1/admin/agent-points", json!({"village_id": vid, "name": "寺台村代办点", "keeper_name": "王秀兰", "phone": "139-0939-1010", "location": {"lat": 33.3805, "lng": 105.5001}, "opening_hours": "08:00-19:00"}), t)
        .await;
    assert_eq!(p.status, 201, "{}", p.text);
    assert_eq!(p.body["phone"], "13909391010");
    let pid = p.body["id"].as_i64().unwrap();
    let bad_phone = app
        .post("/api/v1/admin/agent-points", json!({"village_id": vid, "name": "另一点", "keeper_name": "王", "phone": "12345", "location": {"lat": 33.38, "lng": 105.5}, "opening_hours": "08:00-19:00"}), t)
        .await;
    assert_eq!(bad_phone.body["errors"][0]["field"], "phone");

    let r = app
        .post("/api/v1/admin/routes", json!({"name": "县城—寺台线", "hub_name": "物流园", "hub": {"lat": 33.3262, "lng": 105.6158}, "stops": [pid]}), t)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["stops"], json!([pid]));
    let rid = r.body["id"].as_i64().unwrap();
    let twice = app
        .post("/api/v1/admin/routes", json!({"name": "重复线", "hub_name": "物流园", "hub": {"lat": 33.3, "lng": 105.6}, "stops": [pid, pid]}), t)
        .await;
    assert_eq!(twice.status, 422);
    let d = app
        .post(
            &format!("/api/v1/admin/routes/{rid}/departures"),
            json!({"weekdays": [1, 3, 5], "depart_at": "10:00", "cutoff_minutes": 90}),
            t,
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.text);
    assert_eq!(d.body["days"], json!([1, 3, 5]));
    let bad_day = app
        .post(
            &format!("/api/v1/admin/routes/{rid}/departures"),
            json!({"weekdays": [8], "depart_at": "10:00", "cutoff_minutes": 90}),
            t,
        )
        .await;
    assert_eq!(bad_day.body["errors"][0]["field"], "weekdays");
    let deps = app
        .get(&format!("/api/v1/admin/routes/{rid}/departures"), t)
        .await;
    assert_eq!(deps.body.as_array().unwrap().len(), 1);
    let routes = app.get("/api/v1/admin/routes", t).await;
    assert_eq!(routes.body.as_array().unwrap().len(), 3);

    // Deleting: refused while something refers to the object.
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/admin/agent-points/{pid}"),
            None,
            t,
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "CONFLICT"), "{}", r.text);
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/admin/villages/{vid}"),
            None,
            t,
        )
        .await;
    assert_eq!(r.status, 409);
    let did = d.body["id"].as_i64().unwrap();
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/admin/routes/{rid}/departures/{did}"),
            None,
            t,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/admin/routes/{rid}"),
            None,
            t,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    for path in [
        format!("/api/v1/admin/agent-points/{pid}"),
        format!("/api/v1/admin/villages/{vid}"),
        format!("/api/v1/admin/communities/{cid}"),
    ] {
        let r = app.send_json(Method::DELETE, &path, None, t).await;
        assert_eq!(r.status, 204, "{path}: {}", r.text);
        let again = app.send_json(Method::DELETE, &path, None, t).await;
        assert_eq!(again.status, 404);
    }

    // Residents cannot manage the service area.
    let resident = app.demo_token("someone").await;
    let r = app.get("/api/v1/admin/communities", Some(&resident)).await;
    assert_eq!(r.status, 403);
}

async fn one_county_cannot_see_or_touch_anothers_service_area(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let kang = app.operator_token().await;
    let cheng = second_platform_operator(&app).await;
    let kang_list = app.get("/api/v1/admin/communities", Some(&kang)).await;
    let kang_id = kang_list.body[0]["id"].as_i64().unwrap();
    let cheng_list = app.get("/api/v1/admin/communities", Some(&cheng)).await;
    assert_eq!(cheng_list.status, 200);
    assert_eq!(cheng_list.body, json!([]));
    let r = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/admin/communities/{kang_id}"),
            Some(json!({"name": "占领", "center": {"lat": 33.3, "lng": 105.6}, "radius_m": 500})),
            Some(&cheng),
        )
        .await;
    assert_eq!(r.status, 404);
    let kang_points = app.get("/api/v1/admin/agent-points", Some(&kang)).await;
    let point = kang_points.body[0]["id"].as_i64().unwrap();
    let r = app
        .post("/api/v1/admin/routes", json!({"name": "越界线", "hub_name": "x", "hub": {"lat": 33.7, "lng": 105.7}, "stops": [point]}), Some(&cheng))
        .await;
    assert_eq!(r.status, 404, "{}", r.text);
    assert!(
        app.get("/api/v1/admin/routes", Some(&cheng))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty()
    );
}

async fn addresses_are_classified_as_city_or_village(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.demo_token("zhang").await;
    let t = Some(token.as_str());
    let city = app
        .post("/api/v1/addresses", json!({"label": "家", "contact_name": "张三", "contact_phone": "13800000001", "detail": "东关社区 3 号楼 501", "location": {"lat": 33.3320, "lng": 105.6140}}), t)
        .await;
    assert_eq!(city.status, 201, "{}", city.text);
    assert_eq!(city.body["kind"], "city");
    assert!(city.body["community_id"].is_i64());
    assert_eq!(city.body["area"], "东关社区", "the community is named");

    let op = app.operator_token().await;
    let points = app.get("/api/v1/admin/agent-points", Some(&op)).await;
    let point = points.body[0]["id"].as_i64().unwrap();
    let village = app
        .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "agent_point_id": point}), t)
        .await;
    assert_eq!(village.status, 201, "{}", village.text);
    assert_eq!(village.body["kind"], "village");
    assert_eq!(village.body["agent_point_id"], point);
    // Village · agent point.
    let named = village.body["area"].as_str().unwrap_or_default().to_owned();
    let point_name = points.body[0]["name"].as_str().unwrap();
    assert!(
        named.ends_with(&format!(" · {point_name}")) && named.len() > point_name.len() + 3,
        "{}",
        village.text
    );
    // The list names both places.
    let list = app.get("/api/v1/addresses", t).await;
    assert_eq!(list.body[0]["area"], named.as_str(), "{}", list.text);
    assert_eq!(list.body[1]["area"], "东关社区", "{}", list.text);

    // Lanzhou is not Kang county.
    let far = app
        .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "兰州", "location": {"lat": 36.06, "lng": 103.83}}), t)
        .await;
    assert_eq!(far.status, 422);
    assert_eq!(far.code(), "ADDRESS_OUTSIDE_SERVICE_AREA");
    let nowhere = app
        .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "agent_point_id": 99999}), t)
        .await;
    assert_eq!(nowhere.code(), "ADDRESS_OUTSIDE_SERVICE_AREA");
    let both = app
        .post("/api/v1/addresses", json!({"contact_name": "张三", "contact_phone": "13800000001", "detail": "东关", "agent_point_id": point, "location": {"lat": 33.332, "lng": 105.614}}), t)
        .await;
    assert_eq!(both.status, 422);
    assert_eq!(
        app.count("addresses").await,
        2,
        "refused addresses were stored"
    );

    // Only the owner sees or deletes an address.
    let other = app.demo_token("li").await;
    assert_eq!(
        app.get("/api/v1/addresses", Some(&other)).await.body,
        json!([])
    );
    let id = city.body["id"].as_i64().unwrap();
    let r = app
        .send_json(
            Method::DELETE,
            &format!("/api/v1/addresses/{id}"),
            None,
            Some(&other),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .send_json(Method::DELETE, &format!("/api/v1/addresses/{id}"), None, t)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        app.get("/api/v1/addresses", t)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

both!(
    operators_manage_the_service_area,
    one_county_cannot_see_or_touch_anothers_service_area,
    addresses_are_classified_as_city_or_village,
);
