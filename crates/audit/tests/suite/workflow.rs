//! A batch audit as a caller runs it: seed from dice and a checkpoint root,
//! draws, hand counts passed in, escalation continuing the same sequence,
//! and the verdict.

use testigo_audit::{seed_from_dice, Batch, BatchAudit, Escalation, Generator, Verdict};

#[test]
fn draws_hand_counts_escalation_and_verdict() {
    // 50 tables of 300 voters, the winner ahead 160–120 in each.
    let batches: Vec<Batch> =
        (0..50).map(|i| Batch { id: format!("t{i:02}"), ballots: 300, votes: vec![160, 120, 10] }).collect();
    let audit = BatchAudit::new(&[8_000, 6_000, 500], 0, batches).unwrap();
    let seed = seed_from_dice("6 2 3 5 1 4", &[0x11; 32]);
    let policy = Escalation { risk_limit: 0.05, max_draws: 50 };
    let mut g = Generator::new(&seed);
    let mut m = audit.measure();
    let Verdict::DrawMore(n) = policy.verdict(&m).unwrap() else { panic!("an audit starts by drawing") };
    assert_eq!(n, audit.expected_draws(0.05).unwrap());
    let first = audit.sampler().draws(&mut g, n);
    // The first table drawn was misreported: 10 of the winner's votes belonged to the runner-up.
    for (k, &i) in first.iter().enumerate() {
        let audited = if k == 0 { vec![150, 130, 10] } else { audit.batches()[i].votes.clone() };
        m.record(audit.taint(i, &audited).unwrap());
    }
    let Verdict::DrawMore(more) = policy.verdict(&m).unwrap() else { panic!("one error escalates: {m:?}") };
    // Days later: resume the sequence where it stopped.
    let mut later = Generator::at(&seed, g.counter());
    let next = audit.sampler().draws(&mut later, more);
    assert_eq!(next, audit.sampler().draws(&mut g, more), "resuming equals continuing");
    for &i in &next {
        m.record(audit.taint(i, &audit.batches()[i].votes).unwrap());
    }
    assert_eq!(policy.verdict(&m).unwrap(), Verdict::RiskLimitMet, "{m:?}");
    assert!(m.p_value() <= 0.05);
}
