//! Simulated batch audits: without errors the initial sample always suffices;
//! large errors in enough batches escalate, often to a full hand count.

use testigo_audit::simulate::{run, Simulation};
use testigo_audit::{Batch, BatchAudit, Escalation};

// A test helper (not a #[test]): a broken fixture should fail loudly.
#[allow(clippy::unwrap_used)]
/// 400 batches of 200 ballots, the winner ahead 55–45 in each (margin 10%).
fn audit() -> BatchAudit {
    let batches: Vec<Batch> =
        (0..400).map(|i| Batch { id: format!("b{i}"), ballots: 200, votes: vec![110, 90] }).collect();
    BatchAudit::new(&[44_000, 36_000], 0, batches).unwrap()
}

fn sim(error_batches: usize, taint: f64) -> Simulation {
    Simulation { escalation: Escalation { risk_limit: 0.05, max_draws: 400 }, error_batches, taint, trials: 200 }
}

#[test]
fn without_errors_the_initial_sample_always_suffices() {
    let a = audit();
    // u_p = (200 + 20)/8000 for each batch, U = 11.
    assert!((a.total_bound() - 11.0).abs() < 1e-9);
    let o = run(&a, &sim(0, 1.0), b"seed").unwrap();
    assert_eq!(o.initial_draws, a.expected_draws(0.05).unwrap());
    assert_eq!((o.escalated, o.full_counts), (0, 0));
    assert_eq!(o.mean_draws, o.initial_draws as f64);
}

#[test]
fn large_errors_escalate_and_reproduce() {
    let a = audit();
    // 40 batches each wrong by their whole error bound: about a third of
    // draws, then most of all, hit one and the audit goes to a full count.
    let o = run(&a, &sim(40, 1.0), b"seed").unwrap();
    assert!(o.full_counts > 150, "{o:?}");
    assert_eq!(run(&a, &sim(40, 1.0), b"seed").unwrap(), o);
    // Moderate errors escalate some audits without always forcing a full count.
    let m = run(&a, &sim(40, 0.3), b"seed").unwrap();
    assert!(m.escalated > 0 && m.mean_draws > m.initial_draws as f64, "{m:?}");
}
