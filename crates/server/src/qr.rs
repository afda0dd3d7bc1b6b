//! QR decoders the node plugs into the registry, so a sheet whose QR payload
//! disagrees with its typed counts is flagged `qr_mismatch`.

use testigo_election::{Contest, ElectionDef, QrCounts, QrDecoder};
use testigo_formats::venezuela_qr;

/// The Venezuelan acta QR (`CCCCCCCCC.MM.1.0001!v1,…,vN!NULOS!X`): its card
/// counts are summed into candidates through the contest's ballot cards, in
/// the order the election definition lists them.
#[derive(Clone, Copy, Debug, Default)]
pub struct VenezuelaActaQr;

impl QrDecoder for VenezuelaActaQr {
    fn decode(&self, _election: &ElectionDef, contest: &Contest, payload: &str) -> Result<QrCounts, String> {
        let card_owner: Vec<usize> =
            contest.candidates.iter().enumerate().flat_map(|(i, c)| std::iter::repeat_n(i, c.cards.len())).collect();
        if card_owner.is_empty() {
            return Err(format!("contest {} lists no ballot cards, so an acta QR cannot be read for it", contest.id));
        }
        let qr = venezuela_qr::parse(payload, card_owner.len()).map_err(|e| e.to_string())?;
        let mut votes = std::collections::BTreeMap::new();
        for (&v, &owner) in qr.card_votes.iter().zip(&card_owner) {
            *votes.entry(contest.candidates[owner].id.clone()).or_insert(0u64) += u64::from(v);
        }
        Ok(QrCounts {
            table: Some(format!("{}.{:02}", qr.centre, qr.mesa)),
            votes,
            null: Some(u64::from(qr.null_votes)),
        })
    }
}
