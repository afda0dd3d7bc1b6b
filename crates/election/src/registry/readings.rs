//! Photo readings: the QR codes the operator's server read from a sheet's
//! photo. The latest reading of a photo is checked against every sheet that
//! shows it, raising or clearing their `photo_qr_mismatch` flag.

use super::evidence::{parse_sha256, set_photo_qr_flag, QrSubject};
use super::{Applied, Plan, Registry};
use crate::codes::{FlagSet, Rejection};
use crate::entry::{Kind, PhotoReading};
use crate::geography::TableIx;
use crate::ids::name_problem;
use crate::model::ElectionDef;
use crate::qr::QrCheck;

/// Most QR codes a photo reading may list (a BU prints at most a few parts).
pub const MAX_READING_CODES: usize = 32;

/// The latest reading of one photo.
#[derive(Clone, Debug)]
pub(super) struct ReadingRec {
    pub(super) index: u64,
    pub(super) codes: Vec<String>,
}

/// A sheet showing a newly read photo: its new photo check and flags.
pub(super) struct PhotoUpdate {
    /// The sheet's position.
    pub(super) pos: usize,
    pub(super) check: QrCheck,
    pub(super) flags: FlagSet,
}

impl Registry {
    /// The latest reading of a photo (SHA-256 as hex): its log index and the
    /// codes it lists.
    pub fn photo_reading(&self, photo_sha256: &str) -> Option<(u64, &[String])> {
        let r = self.readings.get(&parse_sha256(photo_sha256)?)?;
        Some((r.index, r.codes.as_slice()))
    }

    /// Every photo read so far (SHA-256 as hex) with its latest reading's log
    /// index and codes, in no particular order.
    pub fn photo_readings(&self) -> impl Iterator<Item = (String, u64, &[String])> + '_ {
        self.readings.iter().map(|(h, r)| (hex::encode(h), r.index, r.codes.as_slice()))
    }

    /// Checks a photo reading (operator-signed, already authenticated) and
    /// computes the new photo check of every sheet showing that photo.
    pub(super) fn plan_reading(&self, election: &ElectionDef, index: u64, r: PhotoReading) -> Result<Plan, Rejection> {
        let malformed = |m: String| Rejection::Malformed(m);
        let photo = parse_sha256(&r.photo_sha256).ok_or_else(|| {
            malformed(format!("photo_sha256 {:?} must be 64 lowercase hex digits (SHA-256)", r.photo_sha256))
        })?;
        if r.codes.len() > MAX_READING_CODES {
            return Err(malformed(format!(
                "a reading lists {} codes; at most {MAX_READING_CODES} are kept per photo",
                r.codes.len()
            )));
        }
        if r.codes.windows(2).any(|w| w[0] >= w[1]) || r.codes.iter().any(|c| c.is_empty()) {
            return Err(malformed("a reading's codes must be non-empty, sorted and without repeats".into()));
        }
        if let Some(why) = name_problem(&r.reader) {
            return Err(malformed(format!("reader {:?}: {why}", r.reader)));
        }
        let rec = ReadingRec { index, codes: r.codes };
        let mut updates = Vec::new();
        if let Some(decoder) = self.qr.as_deref() {
            for &pos in self.sheets_by_photo.get(&photo).map(Vec::as_slice).unwrap_or(&[]) {
                let sheet = &self.sheets[pos as usize];
                let subject = QrSubject {
                    election,
                    contest: &election.contests[sheet.contest as usize],
                    table: self.geography.table_id(TableIx(sheet.table)),
                    counts: sheet.counts(),
                };
                let check = subject.check_photo(decoder, &rec);
                let mut flags = sheet.flags;
                set_photo_qr_flag(&mut flags, check.outcome);
                updates.push(PhotoUpdate { pos: pos as usize, check, flags });
            }
        }
        Ok(Plan::Reading { photo, rec, updates })
    }

    /// Records a checked reading and the new photo checks of its sheets.
    pub(super) fn commit_reading(
        &mut self,
        index: u64,
        photo: [u8; 32],
        rec: ReadingRec,
        updates: Vec<PhotoUpdate>,
    ) -> Applied {
        let mut applied = Applied::new(index, Kind::Reading);
        applied.flags = self.raised_flags(updates.iter().map(|u| (u.pos, u.flags))).to_vec();
        for PhotoUpdate { pos, check, flags } in updates {
            let sheet = &mut self.sheets[pos];
            sheet.flags = flags;
            sheet.evidence.get_or_insert_with(Box::default).photo_qr = Some(QrCheck { reading: Some(index), ..check });
        }
        self.readings.insert(photo, rec);
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{code, setup, submit, NOW};
    use super::MAX_READING_CODES;
    use crate::entry::{Entry, PhotoReading};

    const PHOTO: &str = "ab00000000000000000000000000000000000000000000000000000000000000";

    fn reading(photo: &str, codes: &[&str]) -> Entry {
        Entry::Reading(PhotoReading {
            photo_sha256: photo.into(),
            codes: codes.iter().map(|c| (*c).to_string()).collect(),
            reader: "server".into(),
            signed_at: NOW,
        })
    }

    #[test]
    fn reading_rules_and_latest_reading() {
        let (mut reg, k) = setup();
        assert_eq!(code(&mut reg, &reading(PHOTO, &["a"]), &k.w), "not_operator");
        assert_eq!(code(&mut reg, &reading("AB", &["a"]), &k.operator), "malformed");
        assert_eq!(code(&mut reg, &reading(PHOTO, &["b", "a"]), &k.operator), "malformed", "unsorted");
        assert_eq!(code(&mut reg, &reading(PHOTO, &["a", "a"]), &k.operator), "malformed", "repeated");
        assert_eq!(code(&mut reg, &reading(PHOTO, &[""]), &k.operator), "malformed", "empty");
        let many: Vec<String> = (0..=MAX_READING_CODES).map(|i| format!("{i:03}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(code(&mut reg, &reading(PHOTO, &many), &k.operator), "malformed", "too many codes");

        let first = submit(&mut reg, &reading(PHOTO, &["a"]), &k.operator).unwrap();
        assert!(first.flags.is_empty(), "no decoder, no sheets: nothing to flag");
        let second = submit(&mut reg, &reading(PHOTO, &["b", "c"]), &k.operator).unwrap();
        let (index, codes) = reg.photo_reading(PHOTO).unwrap();
        assert_eq!((index, codes), (second.index, &["b".to_string(), "c".to_string()][..]), "the latest reading");
        assert_ne!(first.index, second.index);
        assert_eq!(reg.photo_readings().count(), 1);
    }
}
