//! The Venezuelan CSV importer (UTF-8 with or without BOM, or latin-1):
//! never panics, and every row it accepts is well formed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rows) = testigo_formats::venezuela_csv::parse(data) {
        for row in rows {
            assert_eq!(row.centre.len(), testigo_formats::venezuela_csv::CENTRE_DIGITS);
            let _ = row.candidate_sum();
        }
    }
});
