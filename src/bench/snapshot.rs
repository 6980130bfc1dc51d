//! `civic-catalog bench snapshot`: what a published change costs the public. Over a
//! generated catalog, the published snapshot is built whole after changes the public
//! changes log does not name (as an agency edit), and patched after a service is archived
//! or published; both are timed as the next public read sees them.

use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

use super::{Shape, empty_catalog, generate, quantile};
use crate::catalog::Catalog;
use crate::catalog::principal::Principal;
use crate::catalog::service::workflow::Transition;

/// What `bench snapshot` measured.
#[derive(Debug, Clone)]
pub struct SnapshotReport {
    pub services: usize,
    pub generate: Duration,
    /// Whole builds: p50, p99, max.
    pub full: (Duration, Duration, Duration),
    /// Patches after one service's archive or publish: p50, p99, max.
    pub patch: (Duration, Duration, Duration),
}

fn summary(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    (
        quantile(&samples, 0.5),
        quantile(&samples, 0.99),
        samples.last().copied().unwrap_or_default(),
    )
}

/// The next public read's snapshot, timed; checks that it holds `revision`.
async fn next_snapshot(catalog: &Catalog) -> Result<Duration, Box<dyn std::error::Error>> {
    let t = Instant::now();
    catalog.published().await.map_err(|e| e.for_operator())?;
    Ok(t.elapsed())
}

/// Generates `services` services, then times `rounds` whole builds and `rounds` patches
/// (alternately archiving a published service and publishing it again).
pub async fn run(
    db: DatabaseConnection,
    services: usize,
    rounds: usize,
) -> Result<SnapshotReport, Box<dyn std::error::Error>> {
    let catalog = empty_catalog(&db).await?;
    let started = Instant::now();
    generate(
        &db,
        Shape {
            services,
            criteria: 40,
            life_events: 20,
        },
    )
    .await?;
    let generate = started.elapsed();
    let admin = catalog
        .create_key("bench", crate::catalog::types::Role::Admin, None)
        .await
        .map_err(|e| e.for_operator())?;
    let admin: Principal = catalog
        .authenticate(Some(&format!("Bearer {}", admin.token)))
        .await
        .map_err(|e| e.for_operator())?;
    next_snapshot(&catalog).await?;

    let (mut full, mut patch) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // A public change the log does not name: the next read builds whole.
        Catalog::bump_revision(catalog.connection(), true)
            .await
            .map_err(|e| e.for_operator())?;
        full.push(next_snapshot(&catalog).await?);

        // One service taken down, then put back: each patches the snapshot.
        let id = super::id(round * 7919 % services.max(1));
        for steps in [
            &[Transition::Archive][..],
            &[Transition::Restore, Transition::Submit, Transition::Publish][..],
        ] {
            for step in steps {
                catalog
                    .transition_service(&admin, id, step.clone())
                    .await
                    .map_err(|e| e.for_operator())?;
            }
            patch.push(next_snapshot(&catalog).await?);
        }
    }
    let (full_builds, patches) = catalog.snapshot_builds();
    if full_builds < rounds as u64 + 1 || patches < 2 * rounds as u64 {
        return Err(format!(
            "expected {} whole builds and {} patches, saw {full_builds} and {patches}",
            rounds + 1,
            2 * rounds
        )
        .into());
    }
    Ok(SnapshotReport {
        services,
        generate,
        full: summary(full),
        patch: summary(patch),
    })
}
