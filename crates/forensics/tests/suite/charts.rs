//! The charts of Albania 2013, drawn as SVG and as PNG with the words given:
//! every chart in both formats, the texts in the SVG, and text actually
//! painted in the PNG (the compiled-in font, no system fonts).

use testigo_forensics::plots::{pngs, svgs, svgs_labelled, Labels};

/// Dark pixels in rows `rows` of an RGB image: text, bars or marks.
fn dark_pixels(rgb: &[u8], width: usize, rows: std::ops::Range<usize>) -> usize {
    rows.flat_map(|y| (0..width).map(move |x| (y * width + x) * 3))
        .filter(|&i| rgb[i..i + 3].iter().all(|&c| c < 100))
        .count()
}

#[test]
fn every_chart_in_svg_and_png_with_its_words() {
    let report = crate::albania::albania();
    let english = svgs(&report).unwrap();
    let names: Vec<&str> = english.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["fingerprint.svg", "turnout.svg", "leader-share.svg", "second-digit.svg", "last-digit.svg"]);
    assert!(english[1].1.contains("\nTurnout\n</text>"), "the title is drawn as text");

    let mut labels = Labels::english();
    labels.turnout = "Participación".into();
    labels.fingerprint = "Huella: {n} mesas, líder {leader}".into();
    let spanish = svgs_labelled(&report, &labels).unwrap();
    assert!(spanish[1].1.contains("Participación"));
    assert!(spanish[0].1.contains(&format!("Huella: {} mesas, líder {}", report.fingerprint.n, report.leader)));

    let images = pngs(&report, &labels).unwrap();
    assert_eq!(images.len(), 5);
    for (name, bytes) in &images {
        assert!(name.ends_with(".png"));
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgb).unwrap();
        let width = info.width as usize;
        assert!(info.width >= 640 && info.height >= 480, "{name}: {}×{}", info.width, info.height);
        // The title's band (above the plotting area) holds dark text pixels.
        assert!(dark_pixels(&rgb, width, 8..34) > 200, "{name}: no title text painted");
    }
}
