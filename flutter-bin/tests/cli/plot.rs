//! `--plot`: a real SVG (parsed as XML) with a panel per exported name and a
//! line per series whose vertices are the dry run's points; a real PNG; and
//! the README's picture is what `--plot` draws today.

use serde_json::Value;

use crate::util::{TempDir, flutter, package_dir, sample};

/// The dry run's `(tick seconds, value)` points per metric name, in order.
fn dry_points(file: &str) -> Vec<(String, Vec<(f64, f64)>)> {
    let run = flutter(&["--dryrun", "--log-format", "json", file]).ok();
    let mut out: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for line in run.stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let name = v["name"].as_str().unwrap().to_owned();
        let ts = v["ts"].as_str().unwrap();
        let t = flutter::GoDuration::parse(ts).unwrap().as_nanos() as f64 / 1e9;
        let point = (t, v["value"].as_f64().unwrap());
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, points)) => points.push(point),
            None => out.push((name, vec![point])),
        }
    }
    out
}

/// Whether `ys` (pixels) are `values` under one affine map, to the pixel.
fn affine(values: &[f64], pixels: &[f64]) -> bool {
    let (i, j) = (0..values.len())
        .flat_map(|i| (0..values.len()).map(move |j| (i, j)))
        .max_by(|a, b| (values[a.0] - values[a.1]).abs().total_cmp(&(values[b.0] - values[b.1]).abs()))
        .unwrap();
    if values[i] == values[j] {
        return pixels.iter().all(|p| (p - pixels[0]).abs() <= 1.0);
    }
    let scale = (pixels[i] - pixels[j]) / (values[i] - values[j]);
    values.iter().zip(pixels).all(|(v, p)| (pixels[i] + (v - values[i]) * scale - p).abs() <= 1.0)
}

#[test]
fn the_svg_has_a_panel_per_name_and_the_simulated_points() {
    let dir = TempDir::new("plot-svg");
    let svg = dir.path().join("periodic.svg");
    let file = sample("sample-periodic.yaml");
    let run = flutter(&["--plot", svg.to_str().unwrap(), &file]).ok();
    assert!(run.stderr.contains("drew 2 panels to") && run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("the plot is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!((root.attribute("width"), root.attribute("height")), (Some("1000"), Some("600")));
    let texts: Vec<String> = root
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_owned())
        .collect();
    let titles = ["http.server.request_rate [{request}/s]", "cache.fill_ratio [%]"];
    for title in titles {
        assert_eq!(texts.iter().filter(|t| *t == title).count(), 1, "{title} in {texts:?}");
    }
    let lines: Vec<Vec<(f64, f64)>> = root
        .descendants()
        // The series' lines (the axes and ticks are 1 px).
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke-width") == Some("2"))
        .map(|n| {
            let points = n.attribute("points").unwrap();
            points
                .split_whitespace()
                .map(|xy| {
                    let (x, y) = xy.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect()
        })
        .collect();
    let dry = dry_points(&file);
    assert_eq!(dry.len(), 2);
    // One line per series (no marks: the sample changes nothing after 0s),
    // its vertices the dry run's points: times and values each under one
    // affine map to the pixel.
    assert_eq!(lines.len(), dry.len(), "{lines:?}");
    for ((name, points), line) in dry.iter().zip(&lines) {
        assert_eq!(line.len(), points.len(), "{name}");
        let (ts, vs): (Vec<f64>, Vec<f64>) = points.iter().copied().unzip();
        let (xs, ys): (Vec<f64>, Vec<f64>) = line.iter().copied().unzip();
        assert!(affine(&ts, &xs), "{name}: times {ts:?} drawn at {xs:?}");
        assert!(affine(&vs, &ys), "{name}: values {vs:?} drawn at {ys:?}");
        // Higher values are drawn higher up.
        let (lo, hi) = (0..vs.len())
            .fold((0, 0), |(lo, hi), i| (if vs[i] < vs[lo] { i } else { lo }, if vs[i] > vs[hi] { i } else { hi }));
        assert!(ys[hi] < ys[lo], "{name}");
    }
}

#[test]
fn the_png_is_a_png_and_the_readme_picture_is_current() {
    let dir = TempDir::new("plot-png");
    let png = dir.path().join("periodic.png");
    flutter(&["-q", "--plot", png.to_str().unwrap(), &sample("sample-periodic.yaml")]).ok();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let (width, height) =
        (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
    assert_eq!((width, height), (1000, 600));
    let committed = package_dir().join("../docs/sample-periodic.png");
    if std::env::var_os("FLUTTER_BLESS").is_some() {
        std::fs::write(&committed, &bytes).unwrap();
    }
    let readme = std::fs::read(&committed).expect("docs/sample-periodic.png is committed");
    assert!(readme == bytes, "docs/sample-periodic.png is not what --plot draws now: run with FLUTTER_BLESS=1");
}

#[test]
fn a_fleet_beyond_the_caps_says_what_it_left_out() {
    let dir = TempDir::new("plot-caps");
    let mut yaml = String::from(
        "duration: 30s\nscript:\n  - {type: metricEmitter, name: e, spec: {type: constant, value: 1}}\n\
         - {type: metric, name: 'm_{00..13}', spec: {type: gauge, emitters: [e], attributes: {resource: {pod: 'p-{0..19}'}}}}\n",
    );
    yaml = yaml.replace("\n- {type: metric", "\n  - {type: metric");
    let file = dir.write("fleet.yaml", &yaml);
    let svg = dir.path().join("fleet.svg");
    let run = flutter(&["--plot", svg.to_str().unwrap(), &file]).ok();
    assert!(
        run.stderr.contains("drew 12 panels to") && run.stderr.contains("(2 more names not drawn)"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let texts: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(str::trim).collect();
    for i in 0..12 {
        assert!(texts.contains(&format!("m_{i:02} (+10 series not drawn)").as_str()), "m_{i:02}: {texts:?}");
    }
    assert!(texts.contains(&"… and 2 more metric names, not drawn (at most 12 panels)"), "{texts:?}");
    assert!(texts.contains(&"pod=p-0") && texts.contains(&"pod=p-9") && !texts.contains(&"pod=p-10"));
}

#[test]
fn plot_refuses_what_it_cannot_draw() {
    let dir = TempDir::new("plot-bad");
    let run = flutter(&["--plot", dir.path().join("x.jpg").to_str().unwrap(), &sample("sample-ramp.yaml")]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("the file must end in .svg or .png"), "{}", run.stderr);
    let run = flutter(&["--plot", "x.svg", "--check", &sample("sample-ramp.yaml")]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
    let missing = dir.path().join("no/such/dir/x.svg");
    let run = flutter(&["--plot", missing.to_str().unwrap(), &sample("sample-ramp.yaml")]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains(&format!("--plot {}", missing.display())), "{}", run.stderr);
}
