//! GraphQL over HTTP: requests the transport cannot read are refused as GraphQL errors with
//! a code, and only POST may run a mutation.

use serde_json::Value;

use crate::helpers::TestApp;

async fn post_raw(app: &TestApp, body: &'static str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn unreadable_requests_are_graphql_errors_with_a_code() {
    let app = TestApp::empty().await;
    for (body, code, says) in [
        (
            "{\"query\": ",
            "BAD_REQUEST",
            "not a GraphQL request in JSON",
        ),
        (
            "[{\"query\": \"{ __typename }\"}]",
            "BATCH_NOT_ALLOWED",
            "batched requests are not supported",
        ),
    ] {
        let (status, answer) = post_raw(&app, body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        let error = &answer["errors"][0];
        assert_eq!(error["extensions"]["code"], code, "{body}: {answer}");
        assert!(
            error["message"].as_str().unwrap().contains(says),
            "{body}: {answer}"
        );
        assert!(
            !answer.to_string().contains("Error("),
            "no Rust debug names: {answer}"
        );
    }
}

#[tokio::test]
async fn a_mutation_sent_with_head_is_refused() {
    let app = TestApp::seeded().await;
    let admin = crate::helpers::keys(&app).await.admin;
    let query = "mutation { apiKeyCreate(input: {name: \"x\", role: ADMIN}) { token } }";
    let response = app
        .client
        .head(format!("{}/graphql", app.address))
        .bearer_auth(admin)
        .query(&[("query", query)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 405);
}
