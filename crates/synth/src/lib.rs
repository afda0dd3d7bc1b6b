//! Synthetic elections of any size, from a seed, for tests and benchmarks.
//!
//! [`generate`] builds an [`ElectionDef`], its [`Geography`] and, for every
//! table, the "true" counts and the sheets observers would submit. The same
//! config and seed always give the same election (the workspace's one
//! seeded generator, `testigo-rng`'s ChaCha8, with the distributions written
//! here; no platform- or version-dependent randomness).
//!
//! # The model
//!
//! - Hierarchy: `fanout[i]` children per unit at each unit level but the
//!   last; units of the last unit level (e.g. voting centres) hold between 1
//!   and `2·tables_per_leaf − 1` tables until the requested number of tables
//!   is reached, spread evenly over the units above.
//! - Registered voters per table: uniform in 200..=1200.
//! - Turnout: per top-level unit uniform in 60–80%, per second-level unit
//!   ±3 points (normal), per table ±5 points (normal), clamped to 5–98%.
//! - Candidate shares: per top-level unit a Dirichlet draw around
//!   decreasing weights (4, 3, 1.5, 1, 1, …), per second-level unit a
//!   Dirichlet draw of concentration 200 around the region's shares, per
//!   table a log-normal jitter (σ = 0.15); votes split by largest remainder.
//! - Null votes 0.5–3% of ballots; blank votes 0–1% when enabled.
//! - Sheets: each table not drawn as missing gets a sheet from organisation
//!   `observers-a`; with probability `corroborated_ppm` a second, agreeing
//!   sheet from `observers-b`; with probability `conflicting_ppm` a sheet from
//!   `party-c` that moves votes from the first candidate to the second.
//!
//! # CSV outputs
//!
//! - [`SynthElection::tables_csv`]: the tables file `testigo-election` loads
//!   (one column per level, `<level>_name` for unit levels, `registered`).
//! - [`SynthElection::sheets_csv`]: one row per sheet, columns
//!   `index,table,contest,source,organisation,signer,<candidate ids…>,null,blank`
//!   (`index` is a log-like position starting at 1; `source` is `witness`;
//!   `blank` is empty when not printed).
//! - [`SynthElection::election_toml`]: the election file.

use testigo_election::{Candidate, Contest, ElectionDef, GeoError, Geography, TableIx, Unit};
use testigo_note::{Signer, ALG_ED25519};

/// Organisations of the three synthetic observer groups, by sheet position.
pub const ORGANISATIONS: [&str; 3] = ["observers-a", "observers-b", "party-c"];
/// Key labels of the three synthetic signers.
pub const SIGNERS: [&str; 3] = ["synth-a.example", "synth-b.example", "synth-c.example"];

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthConfig {
    /// The seed: same seed, same election.
    pub seed: u64,
    /// Number of tables.
    pub tables: usize,
    /// Level names, top down, the last being the table level (at least 2).
    pub levels: Vec<String>,
    /// Children per unit for every unit level but the last
    /// (`levels.len() − 2` numbers; the first is the number of top-level units).
    pub fanout: Vec<usize>,
    /// Average tables per unit of the last unit level.
    pub tables_per_leaf: usize,
    /// Number of candidates (at least 1).
    pub candidates: usize,
    /// Probability, parts per million, that a table has no sheet.
    pub missing_ppm: u32,
    /// Probability (ppm) that a reporting table gets a second agreeing sheet.
    pub corroborated_ppm: u32,
    /// Probability (ppm) that a reporting table gets a disagreeing sheet.
    pub conflicting_ppm: u32,
    /// Whether tables declare their registered voters.
    pub registry_known: bool,
    /// Whether sheets print blank votes.
    pub blank: bool,
    /// The operator key line to put in the election; None derives one from the seed.
    pub operator: Option<String>,
}

impl SynthConfig {
    /// A country-like default for `tables` tables: 24 states × 14
    /// municipalities, centres of about 3 tables, 4 candidates, everything
    /// reporting once.
    pub fn new(seed: u64, tables: usize) -> Self {
        SynthConfig {
            seed,
            tables,
            levels: ["state", "municipality", "centre", "table"].map(String::from).to_vec(),
            fanout: vec![24, 14],
            tables_per_leaf: 3,
            candidates: 4,
            missing_ppm: 0,
            corroborated_ppm: 0,
            conflicting_ppm: 0,
            registry_known: true,
            blank: false,
            operator: None,
        }
    }
}

/// Why a config cannot be generated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    /// Inconsistent parameters.
    #[error("invalid synthetic election config: {0}")]
    Config(String),
    /// The geography rejected a generated unit or table (a bug).
    #[error("generated geography is invalid: {0}")]
    Geography(#[from] GeoError),
}

/// One sheet, borrowed from the generator's buffers.
#[derive(Clone, Copy, Debug)]
pub struct SheetRef<'a> {
    /// Log-like position, from 1, increasing.
    pub index: u64,
    /// The table.
    pub table: TableIx,
    /// Which of [`ORGANISATIONS`] / [`SIGNERS`] submitted it.
    pub organisation: usize,
    /// Votes in candidate order.
    pub votes: &'a [u64],
    /// Null votes.
    pub null: u64,
    /// Blank votes, when printed.
    pub blank: Option<u64>,
}

/// A generated election.
#[derive(Clone, Debug)]
pub struct SynthElection {
    /// The election definition (one contest, `president`).
    pub def: ElectionDef,
    /// The geography.
    pub geo: Geography,
    /// Registered voters per table (generated even when not declared).
    pub registered: Vec<u64>,
    /// True votes, `tables × candidates`.
    pub votes: Vec<u64>,
    /// True null votes per table.
    pub null: Vec<u64>,
    /// True blank votes per table (0 when not enabled).
    pub blank: Vec<u64>,
    /// Per table: 0 missing, else bit 1 primary sheet, bit 2 corroborating, bit 4 conflicting.
    pub sheet_mask: Vec<u8>,
    blank_printed: bool,
    tables: Vec<TableIx>,
}

/// The seeded generator ([`testigo_rng::seeded`], ChaCha8) with the
/// distributions the model draws from, all computed here from its 64-bit
/// outputs so that no library's sampling code can change an election.
#[derive(Clone, Debug)]
pub struct Rng(testigo_rng::ChaCha8Rng);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(testigo_rng::seeded(seed))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        testigo_rng::RngCore::next_u64(&mut self.0)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// Gamma(shape, 1) (Marsaglia–Tsang).
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            let u = 1.0 - self.f64();
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = 1.0 - self.f64();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }

    /// A Dirichlet draw with these parameters.
    pub fn dirichlet(&mut self, alpha: &[f64]) -> Vec<f64> {
        let g: Vec<f64> = alpha.iter().map(|&a| self.gamma(a.max(1e-3))).collect();
        let s: f64 = g.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        g.into_iter().map(|x| x / s).collect()
    }

    /// True with probability `ppm` / 10⁶.
    pub fn chance(&mut self, ppm: u32) -> bool {
        self.next_u64() % 1_000_000 < ppm as u64
    }
}

fn pad(i: usize, width: usize) -> String {
    format!("{i:0width$}")
}

/// Generates an election.
pub fn generate(cfg: &SynthConfig) -> Result<SynthElection, SynthError> {
    let bad = |m: &str| Err(SynthError::Config(m.to_string()));
    if cfg.levels.len() < 2 {
        return bad("levels needs at least a unit level and the table level");
    }
    if cfg.fanout.len() + 2 != cfg.levels.len() {
        return bad("fanout needs one number per unit level except the last (levels.len() − 2 numbers)");
    }
    if cfg.fanout.contains(&0) || cfg.tables_per_leaf == 0 || cfg.candidates == 0 {
        return bad("fanout, tables_per_leaf and candidates must be positive");
    }
    let mut rng = Rng::new(cfg.seed);
    let nc = cfg.candidates;
    let operator = match &cfg.operator {
        Some(o) => o.clone(),
        None => {
            let mut seed = [0u8; 32];
            seed[..8].copy_from_slice(&cfg.seed.to_le_bytes());
            Signer::from_seed("operator.synth.example", ALG_ED25519, seed)
                .map_err(|e| SynthError::Config(e.to_string()))?
                .verifier()
                .to_vkey()
        }
    };
    let def = ElectionDef {
        id: format!("synth-{}", cfg.seed),
        name: format!("Synthetic election {} ({} tables)", cfg.seed, cfg.tables),
        date: "2024-07-28".into(),
        levels: cfg.levels.clone(),
        contests: vec![Contest {
            id: "president".into(),
            name: "President".into(),
            candidates: (0..nc)
                .map(|k| Candidate { id: format!("c{}", k + 1), name: format!("Candidate {}", k + 1), cards: vec![] })
                .collect(),
        }],
        total_tables: Some(cfg.tables as u64),
        registry: None,
        max_table_voters: testigo_election::DEFAULT_MAX_TABLE_VOTERS,
        operator,
    };
    let mut geo = Geography::new(cfg.levels.clone());
    geo.reserve_tables(cfg.tables, 16);
    let base_alpha: Vec<f64> = (0..nc).map(|k| [4.0, 3.0, 1.5][..].get(k).copied().unwrap_or(1.0)).collect();

    // Upper levels: every unit with its (turnout, shares).
    struct Up {
        id: String,
        turnout: f64,
        shares: Vec<f64>,
    }
    let mut frontier: Vec<Up> = vec![Up { id: String::new(), turnout: 0.0, shares: Vec::new() }];
    for (level, &fan) in cfg.fanout.iter().enumerate() {
        let mut next = Vec::with_capacity(frontier.len() * fan);
        for parent in &frontier {
            for i in 1..=fan {
                let id = if level == 0 { pad(i, 2) } else { format!("{}.{}", parent.id, pad(i, 2)) };
                let (turnout, shares) = if level == 0 {
                    (0.6 + 0.2 * rng.f64(), rng.dirichlet(&base_alpha))
                } else if level == 1 {
                    let alpha: Vec<f64> = parent.shares.iter().map(|p| 200.0 * p).collect();
                    (parent.turnout + 0.03 * rng.normal(), rng.dirichlet(&alpha))
                } else {
                    (parent.turnout, parent.shares.clone())
                };
                geo.add_unit(&Unit {
                    id: id.clone(),
                    parent: (level > 0).then(|| parent.id.clone()),
                    level: level as u32,
                    name: format!("{} {}", cfg.levels[level], id),
                })?;
                next.push(Up { id, turnout, shares });
            }
        }
        frontier = next;
    }
    if cfg.fanout.is_empty() {
        frontier[0] = Up { id: String::new(), turnout: 0.6 + 0.2 * rng.f64(), shares: rng.dirichlet(&base_alpha) };
    }
    let leaf_level = cfg.levels.len() - 2;
    let parents = frontier.len();
    let mut out = SynthElection {
        def,
        geo,
        registered: Vec::with_capacity(cfg.tables),
        votes: Vec::with_capacity(cfg.tables * nc),
        null: Vec::with_capacity(cfg.tables),
        blank: Vec::with_capacity(cfg.tables),
        sheet_mask: Vec::with_capacity(cfg.tables),
        blank_printed: cfg.blank,
        tables: Vec::with_capacity(cfg.tables),
    };
    let mut weights = vec![0.0f64; nc];
    let mut table_id = String::new();
    for (pi, parent) in frontier.iter().enumerate() {
        let quota = cfg.tables / parents + usize::from(pi < cfg.tables % parents);
        let mut placed = 0;
        let mut leaf_no = 0;
        while placed < quota {
            leaf_no += 1;
            let size = (rng.range(1, 2 * cfg.tables_per_leaf as u64 - 1) as usize).min(quota - placed);
            let leaf_id =
                if parent.id.is_empty() { pad(leaf_no, 4) } else { format!("{}.{}", parent.id, pad(leaf_no, 4)) };
            let leaf = out.geo.add_unit(&Unit {
                id: leaf_id.clone(),
                parent: (!parent.id.is_empty()).then(|| parent.id.clone()),
                level: leaf_level as u32,
                name: format!("{} {}", cfg.levels[leaf_level], leaf_id),
            })?;
            for m in 1..=size {
                table_id.clear();
                table_id.push_str(&leaf_id);
                table_id.push('.');
                table_id.push_str(&m.to_string());
                let registered = rng.range(200, 1200);
                let t = out.geo.add_table(&table_id, leaf, cfg.registry_known.then_some(registered))?;
                out.tables.push(t);
                let turnout = (parent.turnout + 0.05 * rng.normal()).clamp(0.05, 0.98);
                let ballots = (registered as f64 * turnout).round() as u64;
                let null = (ballots as f64 * (0.005 + 0.025 * rng.f64())).round() as u64;
                let blank = if cfg.blank { (ballots as f64 * 0.01 * rng.f64()).round() as u64 } else { 0 };
                let valid = ballots.saturating_sub(null + blank);
                for (w, &p) in weights.iter_mut().zip(&parent.shares) {
                    *w = p * (0.15 * rng.normal()).exp();
                }
                split(valid, &weights, &mut out.votes);
                out.registered.push(registered);
                out.null.push(null);
                out.blank.push(blank);
                let mut mask = 0u8;
                if !rng.chance(cfg.missing_ppm) {
                    mask |= 1;
                    if rng.chance(cfg.corroborated_ppm) {
                        mask |= 2;
                    }
                    if rng.chance(cfg.conflicting_ppm) {
                        mask |= 4;
                    }
                }
                out.sheet_mask.push(mask);
            }
            placed += size;
        }
    }
    Ok(out)
}

/// Splits `total` by `weights` (largest remainder), appending to `out`.
fn split(total: u64, weights: &[f64], out: &mut Vec<u64>) {
    let s: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let start = out.len();
    let mut given = 0u64;
    let mut best = (0usize, f64::MIN);
    for (k, &w) in weights.iter().enumerate() {
        let exact = total as f64 * w / s;
        let x = (exact.floor() as u64).min(total - given);
        given += x;
        out.push(x);
        if exact - x as f64 > best.1 {
            best = (k, exact - x as f64);
        }
    }
    out[start + best.0] += total - given;
}

impl SynthElection {
    /// Number of candidates.
    pub fn candidates(&self) -> usize {
        self.def.contests[0].candidates.len()
    }

    /// Number of tables.
    pub fn table_count(&self) -> usize {
        self.tables.len()
    }

    /// The true votes of table position `t`.
    pub fn table_votes(&self, t: usize) -> &[u64] {
        let nc = self.candidates();
        &self.votes[t * nc..(t + 1) * nc]
    }

    /// Number of sheets [`Self::for_each_sheet`] yields.
    pub fn sheet_count(&self) -> usize {
        self.sheet_mask.iter().map(|m| m.count_ones() as usize).sum()
    }

    /// Calls `f` for every sheet, in index order (per table: primary,
    /// corroborating, conflicting).
    pub fn for_each_sheet(&self, mut f: impl FnMut(SheetRef<'_>)) {
        let nc = self.candidates();
        let mut alt = vec![0u64; nc];
        let mut index = 0u64;
        for (t, &mask) in self.sheet_mask.iter().enumerate() {
            let votes = self.table_votes(t);
            let blank = self.blank_printed.then_some(self.blank[t]);
            for bit in 0..3 {
                if mask & (1 << bit) == 0 {
                    continue;
                }
                index += 1;
                let v: &[u64] = if bit == 2 {
                    // A disagreeing copy: up to 10 votes moved from the first
                    // candidate to the second (or one added when alone).
                    alt.copy_from_slice(votes);
                    if nc > 1 {
                        let moved = alt[0].min(10);
                        alt[0] -= moved;
                        // Always differ, even when the first candidate has no votes.
                        alt[1] += moved.max(1);
                    } else {
                        alt[0] += 1;
                    }
                    &alt
                } else {
                    votes
                };
                f(SheetRef { index, table: self.tables[t], organisation: bit, votes: v, null: self.null[t], blank });
            }
        }
    }

    /// The witness sheet of `s` for the first contest, signed at `signed_at`
    /// (valid votes and voters derived from the counts), as `testigo synth
    /// --log` and the national benchmark log it.
    pub fn witness_sheet(&self, s: &SheetRef<'_>, signed_at: u64) -> testigo_election::Sheet {
        let contest = &self.def.contests[0];
        let votes = contest.candidates.iter().map(|c| c.id.clone()).zip(s.votes.iter().copied()).collect();
        let valid: u64 = s.votes.iter().sum();
        testigo_election::Sheet {
            not_reported: Vec::new(),
            election: self.def.id.clone(),
            table: self.geo.table_id(s.table).to_string(),
            contest: contest.id.clone(),
            source: testigo_election::Source::Witness,
            votes,
            valid: Some(valid),
            null: Some(s.null),
            blank: s.blank,
            voters: Some(valid + s.null + s.blank.unwrap_or(0)),
            registered: None,
            photo_sha256: None,
            qr: None,
            dataset: None,
            supersedes: None,
            signed_at,
        }
    }

    /// The tables CSV in the format `testigo_election::load_tables_csv` reads.
    pub fn tables_csv(&self) -> String {
        let levels = &self.def.levels;
        let unit_levels = levels.len() - 1;
        let mut out = String::new();
        for (i, l) in levels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(l);
            if i < unit_levels {
                out.push(',');
                out.push_str(l);
                out.push_str("_name");
            }
        }
        out.push_str(",registered\n");
        let mut chain = Vec::with_capacity(unit_levels);
        for &t in &self.tables {
            chain.clear();
            chain.extend(self.geo.ancestors(t));
            for u in chain.iter().rev() {
                out.push_str(self.geo.unit_id(*u));
                out.push(',');
                out.push_str(self.geo.unit_name(*u));
                out.push(',');
            }
            out.push_str(self.geo.table_id(t));
            out.push(',');
            if let Some(r) = self.geo.table_registered(t) {
                out.push_str(&r.to_string());
            }
            out.push('\n');
        }
        out
    }

    /// The sheets CSV (columns in the module docs).
    pub fn sheets_csv(&self) -> String {
        use std::fmt::Write as _;
        let contest = &self.def.contests[0];
        let mut out = String::from("index,table,contest,source,organisation,signer");
        for c in &contest.candidates {
            out.push(',');
            out.push_str(&c.id);
        }
        out.push_str(",null,blank\n");
        self.for_each_sheet(|s| {
            let _ = write!(
                out,
                "{},{},{},witness,{},{}",
                s.index,
                self.geo.table_id(s.table),
                contest.id,
                ORGANISATIONS[s.organisation],
                SIGNERS[s.organisation]
            );
            for v in s.votes {
                let _ = write!(out, ",{v}");
            }
            let _ = match s.blank {
                Some(b) => writeln!(out, ",{},{b}", s.null),
                None => writeln!(out, ",{},", s.null),
            };
        });
        out
    }

    /// The election file (TOML) that `testigo_election::load_election` reads.
    pub fn election_toml(&self) -> String {
        let d = &self.def;
        let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let levels: Vec<String> = d.levels.iter().map(|l| q(l)).collect();
        let mut out = format!(
            "id = {}\nname = {}\ndate = {}\nlevels = [{}]\n",
            q(&d.id),
            q(&d.name),
            q(&d.date),
            levels.join(", ")
        );
        if let Some(t) = d.total_tables {
            out.push_str(&format!("total_tables = {t}\n"));
        }
        if let Some(r) = d.registry {
            out.push_str(&format!("registry = {r}\n"));
        }
        out.push_str(&format!("max_table_voters = {}\noperator = {}\n", d.max_table_voters, q(&d.operator)));
        for c in &d.contests {
            out.push_str(&format!("\n[[contests]]\nid = {}\nname = {}\n", q(&c.id), q(&c.name)));
            for k in &c.candidates {
                out.push_str(&format!("\n[[contests.candidates]]\nid = {}\nname = {}\n", q(&k.id), q(&k.name)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SynthConfig {
        let mut c = SynthConfig::new(7, 500);
        c.missing_ppm = 100_000;
        c.corroborated_ppm = 200_000;
        c.conflicting_ppm = 50_000;
        c.blank = true;
        c
    }

    #[test]
    fn deterministic_and_seed_dependent() {
        let a = generate(&small()).unwrap();
        let b = generate(&small()).unwrap();
        assert_eq!(a.sheets_csv(), b.sheets_csv());
        assert_eq!(a.tables_csv(), b.tables_csv());
        let mut other = small();
        other.seed = 8;
        assert_ne!(generate(&other).unwrap().sheets_csv(), a.sheets_csv());
    }

    #[test]
    fn counts_are_consistent() {
        let e = generate(&small()).unwrap();
        assert_eq!(e.table_count(), 500);
        assert_eq!(e.geo.table_count(), 500);
        for t in 0..e.table_count() {
            let ballots: u64 = e.table_votes(t).iter().sum::<u64>() + e.null[t] + e.blank[t];
            assert!(ballots <= e.registered[t], "table {t}");
            assert!((200..=1200).contains(&e.registered[t]));
        }
        let masks = &e.sheet_mask;
        assert!(masks.contains(&0), "some missing");
        assert!(masks.iter().any(|&m| m & 2 != 0), "some corroborated");
        assert!(masks.iter().any(|&m| m & 4 != 0), "some conflicting");
        let mut n = 0;
        let mut last = 0;
        e.for_each_sheet(|s| {
            assert!(s.index > last);
            last = s.index;
            n += 1;
        });
        assert_eq!(n, e.sheet_count());
    }

    #[test]
    fn csv_files_load_back() {
        let e = generate(&small()).unwrap();
        let def = testigo_election::load_election(&e.election_toml(), "synth.toml").unwrap();
        assert_eq!(def, e.def);
        let geo = testigo_election::load_tables_csv(&def.levels, &e.tables_csv(), "tables.csv").unwrap();
        assert_eq!(geo.table_count(), 500);
        assert_eq!(geo.unit_count(), e.geo.unit_count());
        assert_eq!(geo.registered_total(), e.registered.iter().sum::<u64>());
        let lines = e.sheets_csv().lines().count();
        assert_eq!(lines, e.sheet_count() + 1);
    }

    #[test]
    fn rejects_bad_config() {
        let mut c = SynthConfig::new(1, 10);
        c.fanout = vec![2];
        assert!(matches!(generate(&c), Err(SynthError::Config(_))));
        let mut c = SynthConfig::new(1, 10);
        c.candidates = 0;
        assert!(generate(&c).is_err());
    }
}
