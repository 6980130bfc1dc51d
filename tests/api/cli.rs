//! The `civic-catalog keys` commands, run as an operator would: the token is printed once
//! on stdout, works as a Bearer token, and stops working when revoked; mistakes exit with
//! a one-line reason.

use std::process::{Command, Output};
use std::sync::Arc;

use civic_catalog::app::connect;
use civic_catalog::catalog::Catalog;
use civic_catalog::catalog::principal::Principal;
use civic_catalog::telemetry::Metrics;

use crate::helpers::{ScratchDatabase, database_config};

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

    let catalog = Catalog::new(
        connect(&database_config(url), &Arc::new(Metrics::default()))
            .await
            .unwrap(),
    );
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

/// Runs `civic-catalog` with `args` and no database flag of the test's own.
fn civic_catalog_bare(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_civic-catalog"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run civic-catalog")
}

#[tokio::test]
async fn start_up_mistakes_name_what_they_are_about() {
    // A taken port is reported with its address, before anything is migrated or seeded.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let dir = std::env::temp_dir().join(format!("cc-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("catalog.db");
    let url = format!("sqlite://{}", file.display());
    let refused = civic_catalog_bare(&["--database-url", &url, "serve", "--bind", &address]);
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.starts_with(&format!("civic-catalog: cannot listen on {address}: ")),
        "{stderr}"
    );
    assert!(
        !file.exists(),
        "nothing is migrated before the port is bound"
    );

    // A seed file that does not exist is named.
    let missing = dir.join("no-such-catalog.json");
    let refused = civic_catalog_bare(&[
        "--database-url",
        &url,
        "seed",
        "--file",
        missing.to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot read the catalog document {}",
            missing.display()
        )),
        "{stderr}"
    );

    // An unreachable PostgreSQL is named with its address (never a password) and the cause.
    let refused = civic_catalog_bare(&[
        "--database-url",
        "postgres://someone:hunter2@127.0.0.1:9/catalog",
        "migrate",
    ]);
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    assert!(
        stderr.starts_with("civic-catalog: cannot open postgres://someone@127.0.0.1:9/catalog: "),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");

    // A URL of a database this server does not speak is refused by the flag parser.
    let refused = civic_catalog_bare(&["--database-url", "mysql://root@localhost/x", "migrate"]);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("is not a database URL this server knows"),
        "{}",
        text(&refused.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn serve_listens_on_a_host_name() {
    use std::io::{BufRead, BufReader};
    let database = ScratchDatabase::shared().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_civic-catalog"))
        .args([
            "--database-url",
            &database.url,
            "serve",
            "--bind",
            "localhost:0",
        ])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start civic-catalog serve");
    let stderr = child.stderr.take().unwrap();
    let serving = std::thread::spawn(move || {
        BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.contains("serving GraphQL"))
    });
    let line = tokio::task::spawn_blocking(move || serving.join().unwrap())
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let line = line.expect("serve started");
    assert!(
        line.contains("127.0.0.1:") || line.contains("[::1]:"),
        "{line}"
    );
}
