//! Authentication: API keys, `Authorization: Bearer`, and `viewer`.

use civic_catalog::catalog::CatalogError;
use civic_catalog::catalog::types::{Role, Slug};
use civic_catalog::entity::api_key;
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::TestApp;

const VIEWER: &str = "{ viewer { name role agency { slug } } }";

async fn as_bearer(app: &TestApp, authorization: &str) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("authorization", authorization)
        .json(&json!({ "query": VIEWER }))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_valid_key_identifies_its_holder_and_no_key_is_anonymous() {
    let app = TestApp::seeded().await;
    let dol = Slug::parse("agency", "nys-dol").unwrap();
    let editor = app
        .catalog
        .create_key("DOL web team", Role::Editor, Some(&dol))
        .await
        .unwrap();
    assert!(editor.token.starts_with("ccat_") && editor.token.len() == 69);
    let (status, body) = as_bearer(&app, &format!("Bearer {}", editor.token)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["data"]["viewer"],
        json!({ "name": "DOL web team", "role": "EDITOR", "agency": { "slug": "nys-dol" } })
    );

    let admin = app
        .catalog
        .create_key("CX office", Role::Admin, None)
        .await
        .unwrap();
    let (_, body) = as_bearer(&app, &format!("Bearer {}", admin.token)).await;
    assert_eq!(body["data"]["viewer"]["role"], "ADMIN");
    assert!(body["data"]["viewer"]["agency"].is_null());

    let data = app.data(VIEWER, json!({})).await;
    assert!(data["viewer"].is_null(), "no credentials: anonymous");

    // Only a hash of the token is stored.
    let rows = api_key::Entity::find()
        .all(app.catalog.connection())
        .await
        .unwrap();
    for row in rows {
        assert!(!editor.token.contains(&row.token_hash) && row.token_hash != editor.token);
        assert!(!row.token_hash.starts_with("ccat_"));
        assert_eq!(row.token_hash.len(), 64);
    }
    let listed = app.catalog.list_keys().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|k| k.prefix.len() < 20));
}

#[tokio::test]
async fn bad_or_revoked_credentials_are_unauthenticated_never_anonymous() {
    let app = TestApp::seeded().await;
    let key = app
        .catalog
        .create_key("Reviewer", Role::Reviewer, None)
        .await
        .unwrap();
    let wrong = format!("ccat_{}", "0".repeat(64));
    for header in [
        format!("Bearer {wrong}"),
        "Bearer nonsense".to_owned(),
        format!("Basic {}", key.token),
        key.token.clone(),
        "Bearer ".to_owned(),
    ] {
        let (status, body) = as_bearer(&app, &header).await;
        assert_eq!(status, 401, "{header}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{header}"
        );
        assert!(body["data"].is_null());
    }
    let (status, _) = as_bearer(&app, &format!("Bearer {}", key.token)).await;
    assert_eq!(status, 200);
    app.catalog.revoke_key(key.summary.id).await.unwrap();
    let (status, body) = as_bearer(&app, &format!("Bearer {}", key.token)).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(
        body["errors"][0].get("locations").is_none(),
        "a refusal before the query is read points at no line of it: {body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
}

#[tokio::test]
async fn keys_are_created_with_the_right_scope() {
    let app = TestApp::seeded().await;
    let dol = Slug::parse("agency", "nys-dol").unwrap();
    let nobody = Slug::parse("agency", "nobody").unwrap();
    let cases = [
        (Role::Editor, None, "agency"),
        (Role::Editor, Some(&nobody), "agency"),
        (Role::Admin, Some(&dol), "agency"),
        (Role::Reviewer, Some(&dol), "agency"),
    ];
    for (role, agency, field) in cases {
        match app.catalog.create_key("Someone", role, agency).await {
            Err(CatalogError::BadInput { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{role:?} {agency:?}: {other:?}"),
        }
    }
    match app.catalog.create_key("  ", Role::Admin, None).await {
        Err(CatalogError::BadInput { field, .. }) => assert_eq!(field, "name"),
        other => panic!("{other:?}"),
    }
    assert!(
        app.catalog.list_keys().await.unwrap().is_empty(),
        "refused keys change nothing"
    );
    assert!(matches!(
        app.catalog.revoke_key(999).await,
        Err(CatalogError::NotFound { .. })
    ));
}
