//! GraphiQL is served by the binary, with every asset on this host.

use crate::helpers::TestApp;

/// The values of `attr="..."` in an HTML page.
fn attribute_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &html[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .collect()
}

#[tokio::test]
async fn graphiql_page_and_every_asset_it_references_are_served_from_this_host() {
    let app = TestApp::empty().await;
    for page in ["/", "/graphiql"] {
        let (status, content_type, html) = app.get(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(content_type.starts_with("text/html"), "{content_type}");
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "page points off-host: {html}"
        );
        let mut assets = attribute_values(&html, "src");
        assets.extend(attribute_values(&html, "href"));
        assert!(
            assets.len() >= 4,
            "expected scripts and a stylesheet, got {assets:?}"
        );
        for asset in assets {
            assert!(
                asset.starts_with('/') && !asset.starts_with("//"),
                "off-host asset {asset}"
            );
            let (status, content_type, body) = app.get(&asset).await;
            assert_eq!(status, 200, "{asset}");
            assert!(!body.is_empty(), "{asset} is empty");
            assert!(
                content_type.starts_with("text/javascript") || content_type.starts_with("text/css"),
                "{asset}: {content_type}"
            );
        }
    }
    let (status, _, init) = app.get("/graphiql/assets/civic-catalog.js").await;
    assert_eq!(status, 200);
    assert!(
        init.contains("'/graphql'"),
        "GraphiQL must query this host's /graphql"
    );
}

#[tokio::test]
async fn vendored_licenses_are_served_and_unknown_assets_are_not_found() {
    let app = TestApp::empty().await;
    for license in ["LICENSE-graphiql", "LICENSE-react", "LICENSE-react-dom"] {
        let (status, _, body) = app.get(&format!("/graphiql/assets/{license}")).await;
        assert_eq!(status, 200);
        assert!(
            body.contains("MIT License") || body.contains("Permission is hereby granted"),
            "{license}"
        );
    }
    let (status, _, _) = app.get("/graphiql/assets/../Cargo.toml").await;
    assert_eq!(status, 404);
    let (status, _, _) = app.get("/graphiql/assets/nope.js").await;
    assert_eq!(status, 404);
}
