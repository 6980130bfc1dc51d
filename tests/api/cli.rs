//! The `civic-catalog keys` commands, run as an operator would: the token is printed once
//! on stdout, works as a Bearer token, and stops working when revoked; mistakes exit with
//! a one-line reason.

use std::process::{Command, Output};
use std::sync::Arc;

use civic_catalog::app::connect;
use civic_catalog::catalog::Catalog;
use civic_catalog::catalog::auth::Principal;
use civic_catalog::telemetry::Metrics;

use crate::helpers::ScratchDatabase;

fn civic_catalog(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_civic-catalog"))
        .arg("--database-url")
        .arg(database_url)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run civic-catalog")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

#[tokio::test]
async fn operators_create_list_and_revoke_keys_at_the_command_line() {
    let database = ScratchDatabase::shared().await;
    let url = database.url.as_str();
    assert!(civic_catalog(url, &["seed"]).status.success());

    let created = civic_catalog(
        url,
        &[
            "keys",
            "create",
            "--name",
            "DOL web team",
            "--role",
            "EDITOR",
            "--agency",
            "nys-dol",
        ],
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    let token = text(&created.stdout);
    assert!(
        token.starts_with("ccat_") && !token.contains('\n'),
        "{token}"
    );

    let catalog = Catalog::new(connect(url, &Arc::new(Metrics::default())).await.unwrap());
    let bearer = format!("Bearer {token}");
    match catalog.authenticate(Some(&bearer)).await.unwrap() {
        Principal::Key(key) => assert_eq!(key.name, "DOL web team"),
        Principal::Anonymous => panic!("the new key is not recognised"),
    }

    let listed = civic_catalog(url, &["keys", "list"]);
    let listing = text(&listed.stdout);
    let row = listing
        .lines()
        .find(|l| l.ends_with("DOL web team"))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(
        row.contains("EDITOR") && row.contains("nys-dol") && row.contains("active"),
        "{row}"
    );
    assert!(!listing.contains(&token), "the list never shows a token");
    let id = row.split_whitespace().next().unwrap();

    let revoked = civic_catalog(url, &["keys", "revoke", id]);
    assert!(revoked.status.success(), "{}", text(&revoked.stderr));
    assert!(
        catalog.authenticate(Some(&bearer)).await.is_err(),
        "a revoked key is refused"
    );

    for (args, reason) in [
        (vec!["keys", "revoke", "9999"], "API key 9999 not found"),
        (
            vec!["keys", "create", "--name", "X", "--role", "EDITOR"],
            "agency: an EDITOR key needs the agency it works for",
        ),
        (
            vec![
                "keys", "create", "--name", "X", "--role", "EDITOR", "--agency", "nope",
            ],
            "agency: unknown agency `nope`",
        ),
    ] {
        let refused = civic_catalog(url, &args);
        assert!(!refused.status.success(), "{args:?}");
        assert!(refused.stdout.is_empty(), "{args:?}");
        assert!(
            text(&refused.stderr).ends_with(reason),
            "{args:?}: {}",
            text(&refused.stderr)
        );
    }
}
