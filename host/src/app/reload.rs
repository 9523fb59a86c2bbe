//! Hot reload: watches the scripts directory (`notify`), and after a burst
//! of changes recompiles every script; a version that compiles is published
//! as a snapshot of its sources with a new generation (workers swap at their next request), a
//! broken one is logged and the running version keeps serving. Runs on its
//! own thread; never touches an isolate.

use std::sync::{mpsc, Arc};
use std::time::Duration;

use kiln_runtime::host_api::snapshot_scripts;
use notify::{RecommendedWatcher, RecursiveMode, Watcher};

use super::AppShared;

/// Changes closer together than this are one reload.
const SETTLE: Duration = Duration::from_millis(150);

/// Starts watching; the returned watcher must be kept alive.
pub fn watch(shared: Arc<AppShared>) -> notify::Result<RecommendedWatcher> {
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(&shared.scripts_dir, RecursiveMode::NonRecursive)?;
    let spawned = std::thread::Builder::new()
        .name("kiln-reload".into())
        .spawn(move || reload_loop(shared, rx));
    if let Err(e) = spawned {
        return Err(notify::Error::io(e));
    }
    Ok(watcher)
}

fn touches_a_script(event: &notify::Event) -> bool {
    use notify::EventKind;
    matches!(
        event.kind,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any
    ) && event
        .paths
        .iter()
        .any(|p| p.extension().is_some_and(|e| e == "py"))
}

fn reload_loop(shared: Arc<AppShared>, rx: mpsc::Receiver<notify::Result<notify::Event>>) {
    while let Ok(first) = rx.recv() {
        let mut relevant = matches!(&first, Ok(e) if touches_a_script(e));
        // Let the burst of events of one save settle.
        while let Ok(next) = rx.recv_timeout(SETTLE) {
            relevant |= matches!(&next, Ok(e) if touches_a_script(e));
        }
        if !relevant {
            continue;
        }
        match snapshot_scripts(&shared.scripts_dir) {
            Ok(snapshot) => {
                let count = snapshot.files.len();
                let generation = shared.publish(snapshot);
                tracing::info!(
                    target: "kiln::scripts",
                    "scripts changed: {count} script(s) compiled, generation {generation}"
                );
            }
            Err(e) => tracing::error!(
                target: "kiln::scripts",
                "scripts changed but do not compile; the previous version keeps serving:\n{e}"
            ),
        }
    }
}
