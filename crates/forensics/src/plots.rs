//! The report's charts, for the CLI to write and for HTML pages to embed:
//! the fingerprint heatmap, turnout and leader-share histograms, and the
//! second- and last-digit distributions against their expectations. Each is
//! drawn once per backend by the same code: SVG (plotters' SVG backend) and
//! PNG (plotters' bitmap backend, encoded by the `png` crate). Text is laid
//! out with DejaVu Sans compiled in (`fonts/`), so a PNG needs no system font
//! libraries and looks the same on every machine.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::Report;

type Drawn = Result<(), String>;

/// Registers the compiled-in font once, before any chart is laid out.
fn fonts() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bytes are a valid font (a test draws every chart); if they
        // were not, text would be missing and that test would fail.
        let _ =
            plotters::style::register_font("sans-serif", FontStyle::Normal, include_bytes!("../fonts/DejaVuSans.ttf"));
    });
}

/// The charts, in the order they are listed and written.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Fingerprint,
    Turnout,
    LeaderShare,
    SecondDigit,
    LastDigit,
}

const KINDS: [Kind; 5] = [Kind::Fingerprint, Kind::Turnout, Kind::LeaderShare, Kind::SecondDigit, Kind::LastDigit];

impl Kind {
    /// The file name without its extension.
    fn stem(self) -> &'static str {
        match self {
            Kind::Fingerprint => "fingerprint",
            Kind::Turnout => "turnout",
            Kind::LeaderShare => "leader-share",
            Kind::SecondDigit => "second-digit",
            Kind::LastDigit => "last-digit",
        }
    }

    fn size(self) -> (u32, u32) {
        match self {
            Kind::Fingerprint => (640, 620),
            _ => SIZE,
        }
    }

    fn draw<DB: DrawingBackend>(self, root: &DrawingArea<DB, Shift>, r: &Report, l: &Labels) -> Drawn {
        let h = &r.fingerprint.histogram;
        let v = &r.overall.digits.voters;
        match self {
            Kind::Fingerprint => heatmap(root, r, l),
            Kind::Turnout => {
                let turnout: Vec<u64> = h.iter().map(|row| row.iter().sum()).collect();
                histogram(root, &fill(&l.turnout, r), &l.turnout_axis, &l.units_axis, &turnout)
            }
            Kind::LeaderShare => {
                let share: Vec<u64> = (0..r.fingerprint.bins).map(|j| h.iter().map(|row| row[j]).sum()).collect();
                histogram(root, &fill(&l.leader_share, r), &l.leader_share_axis, &l.units_axis, &share)
            }
            Kind::SecondDigit => digits(root, &l.second_digit, l, &v.second_digit.counts, &v.second_digit.expected),
            Kind::LastDigit => digits(root, &l.last_digit, l, &v.last_digit.counts, &v.last_digit.expected),
        }
    }
}

fn svg(
    size: (u32, u32),
    draw: &dyn for<'b> Fn(&DrawingArea<SVGBackend<'b>, Shift>) -> Drawn,
) -> Result<String, String> {
    fonts();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

fn png(
    size: (u32, u32),
    draw: &dyn for<'b> Fn(&DrawingArea<BitMapBackend<'b>, Shift>) -> Drawn,
) -> Result<Vec<u8>, String> {
    fonts();
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, size.0, size.1);
    encoder.set_color(::png::ColorType::Rgb);
    encoder.set_depth(::png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(err)?;
    writer.write_image_data(&rgb).map_err(err)?;
    writer.finish().map_err(err)?;
    Ok(out)
}

/// The words drawn inside the charts, so a page in another language can
/// label them in its own ([`Labels::english`] is what the CLI writes).
/// `{leader}` and `{n}` in a title are replaced by the leader's name and the
/// number of units.
#[derive(Clone, Debug)]
pub struct Labels {
    /// Title of the fingerprint heatmap.
    pub fingerprint: String,
    /// Axis: turnout.
    pub turnout_axis: String,
    /// Axis: the leader's share.
    pub leader_share_axis: String,
    /// Axis: units (tables) in a bin.
    pub units_axis: String,
    /// Title of the turnout histogram.
    pub turnout: String,
    /// Title of the leader-share histogram.
    pub leader_share: String,
    /// Title of the second-digit chart.
    pub second_digit: String,
    /// Title of the last-digit chart.
    pub last_digit: String,
    /// Axis of the digit charts (what the bars and the marks are).
    pub digit_axis: String,
    /// Axis: share of counts.
    pub share_axis: String,
}

impl Labels {
    /// The charts' English words.
    pub fn english() -> Labels {
        Labels {
            fingerprint: "Fingerprint: {n} units, leader {leader}".into(),
            turnout_axis: "turnout (voters / registered)".into(),
            leader_share_axis: "leader votes / voters".into(),
            units_axis: "units".into(),
            turnout: "Turnout".into(),
            leader_share: "Leader share: {leader}".into(),
            second_digit: "Second digit of ballots cast (counts >= 10) vs Benford".into(),
            last_digit: "Last digit of ballots cast (counts >= 10) vs uniform".into(),
            digit_axis: "digit (bars: observed share; red: expected)".into(),
            share_axis: "share".into(),
        }
    }
}

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing a chart: {e}")
}

const SIZE: (u32, u32) = (720, 480);
const BAR: RGBColor = RGBColor(70, 110, 170);
const REF: RGBColor = RGBColor(200, 60, 40);

/// A histogram over [0, 1] with `counts.len()` bins.
fn histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    counts: &[u64],
) -> Drawn {
    {
        root.fill(&WHITE).map_err(err)?;
        let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1f64, 0f64..max * 1.05)
            .map_err(err)?;
        chart.configure_mesh().x_desc(x_desc).y_desc(y_desc).draw().map_err(err)?;
        let w = 1.0 / counts.len().max(1) as f64;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x = i as f64 * w;
                Rectangle::new([(x, 0.0), (x + w, c as f64)], BAR.filled())
            }))
            .map_err(err)?;
    }
    Ok(())
}

/// Observed digit shares (bars) against expected probabilities (marks).
fn digits<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    l: &Labels,
    counts: &[u64; 10],
    expected: &[f64; 10],
) -> Drawn {
    {
        root.fill(&WHITE).map_err(err)?;
        let n = counts.iter().sum::<u64>().max(1) as f64;
        let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
        let max = shares.iter().chain(expected).fold(0.0f64, |a, &b| a.max(b));
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..9.5f64, 0f64..max * 1.15)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(&l.digit_axis)
            .y_desc(&l.share_axis)
            .x_labels(10)
            .x_label_formatter(&|d| format!("{d:.0}"))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(
                shares
                    .iter()
                    .enumerate()
                    .map(|(d, &s)| Rectangle::new([(d as f64 - 0.35, 0.0), (d as f64 + 0.35, s)], BAR.filled())),
            )
            .map_err(err)?;
        chart
            .draw_series(
                expected.iter().enumerate().map(|(d, &e)| {
                    PathElement::new(vec![(d as f64 - 0.45, e), (d as f64 + 0.45, e)], REF.stroke_width(3))
                }),
            )
            .map_err(err)?;
    }
    Ok(())
}

/// The fingerprint: units per (turnout, leader share) cell, shaded by log count.
fn heatmap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, r: &Report, l: &Labels) -> Drawn {
    {
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(root)
            .caption(fill(&l.fingerprint, r), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&l.turnout_axis)
            .y_desc(&l.leader_share_axis)
            .draw()
            .map_err(err)?;
        let h = &r.fingerprint.histogram;
        let max = h.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
        let w = 1.0 / r.fingerprint.bins.max(1) as f64;
        let cells = h.iter().enumerate().flat_map(|(i, row)| {
            row.iter().enumerate().filter(|(_, &c)| c > 0).map(move |(j, &c)| {
                // Log shading: a few stuffed units beside thousands of ordinary ones stay visible.
                let t = (1.0 + c as f64).ln() / (1.0 + max).ln();
                let shade = |a: f64, b: f64| (a + (b - a) * t) as u8;
                let color = RGBColor(shade(235.0, 20.0), shade(240.0, 40.0), shade(250.0, 120.0));
                let (x, y) = (i as f64 * w, j as f64 * w);
                Rectangle::new([(x, y), (x + w, y + w)], color.filled())
            })
        });
        chart.draw_series(cells).map_err(err)?;
    }
    Ok(())
}

fn fill(template: &str, r: &Report) -> String {
    template.replace("{leader}", &r.leader).replace("{n}", &r.fingerprint.n.to_string())
}

/// Every chart of a report, as (file name, SVG text), in English.
pub fn svgs(r: &Report) -> Result<Vec<(String, String)>, String> {
    svgs_labelled(r, &Labels::english())
}

/// Every chart of a report, as (file name, SVG text), with `l`'s words.
pub fn svgs_labelled(r: &Report, l: &Labels) -> Result<Vec<(String, String)>, String> {
    KINDS.iter().map(|k| Ok((format!("{}.svg", k.stem()), svg(k.size(), &|root| k.draw(root, r, l))?))).collect()
}

/// Every chart of a report, as (file name, PNG bytes), with `l`'s words:
/// the same drawings as [`svgs_labelled`], rasterised.
pub fn pngs(r: &Report, l: &Labels) -> Result<Vec<(String, Vec<u8>)>, String> {
    KINDS.iter().map(|k| Ok((format!("{}.png", k.stem()), png(k.size(), &|root| k.draw(root, r, l))?))).collect()
}
