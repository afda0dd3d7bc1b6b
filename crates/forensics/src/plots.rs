//! The report's charts as SVG strings (plotters' SVG backend), for the CLI
//! to write and for HTML pages to embed: the fingerprint heatmap, turnout and
//! leader-share histograms, and the second- and last-digit distributions
//! against their expectations. SVG only: plotters' bitmap backend needs
//! system font libraries to draw text.

use plotters::prelude::*;

use crate::Report;

type Chart = Result<String, String>;

fn err(e: impl std::fmt::Display) -> String {
    format!("drawing a chart: {e}")
}

const SIZE: (u32, u32) = (720, 480);
const BAR: RGBColor = RGBColor(70, 110, 170);
const REF: RGBColor = RGBColor(200, 60, 40);

/// A histogram over [0, 1] with `counts.len()` bins.
fn histogram(title: &str, x_desc: &str, counts: &[u64]) -> Chart {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..1f64, 0f64..max * 1.05)
            .map_err(err)?;
        chart.configure_mesh().x_desc(x_desc).y_desc("units").draw().map_err(err)?;
        let w = 1.0 / counts.len().max(1) as f64;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &c)| {
                let x = i as f64 * w;
                Rectangle::new([(x, 0.0), (x + w, c as f64)], BAR.filled())
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Observed digit shares (bars) against expected probabilities (marks).
fn digits(title: &str, counts: &[u64; 10], expected: &[f64; 10]) -> Chart {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = counts.iter().sum::<u64>().max(1) as f64;
        let shares: Vec<f64> = counts.iter().map(|&c| c as f64 / n).collect();
        let max = shares.iter().chain(expected).fold(0.0f64, |a, &b| a.max(b));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..9.5f64, 0f64..max * 1.15)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("digit (bars: observed share; red: expected)")
            .y_desc("share")
            .x_labels(10)
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
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The fingerprint: units per (turnout, leader share) cell, shaded by log count.
fn heatmap(r: &Report) -> Chart {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (640, 620)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("Fingerprint: {} units, leader {}", r.fingerprint.n, r.leader), ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .map_err(err)?;
        chart.configure_mesh().disable_mesh().x_desc("turnout").y_desc("leader share").draw().map_err(err)?;
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
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// Every chart of a report, as (file name, SVG text).
pub fn svgs(r: &Report) -> Result<Vec<(String, String)>, String> {
    let h = &r.fingerprint.histogram;
    let turnout: Vec<u64> = h.iter().map(|row| row.iter().sum()).collect();
    let share: Vec<u64> = (0..r.fingerprint.bins).map(|j| h.iter().map(|row| row[j]).sum()).collect();
    let v = &r.overall.digits.voters;
    Ok(vec![
        ("fingerprint.svg".into(), heatmap(r)?),
        ("turnout.svg".into(), histogram("Turnout", "turnout (voters / registered)", &turnout)?),
        (
            "leader-share.svg".into(),
            histogram(&format!("Leader share: {}", r.leader), "leader votes / voters", &share)?,
        ),
        (
            "second-digit.svg".into(),
            digits(
                "Second digit of ballots cast (counts >= 10) vs Benford",
                &v.second_digit.counts,
                &v.second_digit.expected,
            )?,
        ),
        (
            "last-digit.svg".into(),
            digits(
                "Last digit of ballots cast (counts >= 10) vs uniform",
                &v.last_digit.counts,
                &v.last_digit.expected,
            )?,
        ),
    ])
}
