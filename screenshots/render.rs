//! `eos-screenshot`: turns a terminal capture (`tmux capture-pane -e -p`, ANSI colours) into a
//! PNG. The capture is replayed through `vt100`, each cell becomes a monospace glyph on its
//! background in an SVG, and resvg rasterises it with DejaVu Sans Mono. Built only with
//! `--features screenshots`; driven by screenshots/generate.sh.
//!
//! Usage: eos-screenshot [--cols N] [--rows N] [--bg RRGGBB] [--fg RRGGBB] [--svg]
//!                       CAPTURE.ansi OUT.png

use std::fmt::Write as _;
use std::num::NonZeroU16;
use std::process::ExitCode;

const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
const FONT_SIZE: f32 = 14.0;
/// DejaVu Sans Mono's advance (1233/2048 em) and ascent + descent (2384/2048 em): cells this
/// size make box-drawing lines meet.
const CELL_W: f32 = FONT_SIZE * 1233.0 / 2048.0;
const CELL_H: f32 = FONT_SIZE * 2384.0 / 2048.0;
const ASCENT: f32 = FONT_SIZE * 1901.0 / 2048.0;
const PAD: f32 = 10.0;
const ZOOM: f32 = 2.0;

type Rgb = (u8, u8, u8);

struct Opts {
    cols: u16,
    rows: u16,
    bg: Rgb,
    fg: Rgb,
    svg: bool,
    input: String,
    output: String,
}

fn hex(s: &str) -> Result<Rgb, String> {
    let s = s.trim_start_matches('#');
    let v = u32::from_str_radix(s, 16).map_err(|_| format!("bad colour {s:?}"))?;
    if s.len() != 6 {
        return Err(format!("bad colour {s:?}: want RRGGBB"));
    }
    Ok(((v >> 16) as u8, (v >> 8) as u8, v as u8))
}

fn parse_args() -> Result<Opts, String> {
    let mut o = Opts {
        cols: 120,
        rows: 36,
        bg: (0x1d, 0x20, 0x26),
        fg: (0xd8, 0xdc, 0xe2),
        svg: false,
        input: String::new(),
        output: String::new(),
    };
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--cols" => o.cols = val()?.parse().map_err(|_| "bad --cols")?,
            "--rows" => o.rows = val()?.parse().map_err(|_| "bad --rows")?,
            "--bg" => o.bg = hex(&val()?)?,
            "--fg" => o.fg = hex(&val()?)?,
            "--svg" => o.svg = true,
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => files.push(a),
        }
    }
    match <[String; 2]>::try_from(files) {
        Ok([i, out]) => {
            o.input = i;
            o.output = out;
            Ok(o)
        }
        Err(_) => Err("usage: eos-screenshot [--cols N] [--rows N] [--bg RRGGBB] [--fg RRGGBB] [--svg] CAPTURE.ansi OUT.png".into()),
    }
}

/// xterm's 256-colour palette.
fn indexed(i: u8) -> Rgb {
    const BASE: [Rgb; 16] = [
        (0x00, 0x00, 0x00),
        (0xcd, 0x31, 0x31),
        (0x0d, 0xbc, 0x79),
        (0xe5, 0xe5, 0x10),
        (0x24, 0x72, 0xc8),
        (0xbc, 0x3f, 0xbc),
        (0x11, 0xa8, 0xcd),
        (0xe5, 0xe5, 0xe5),
        (0x66, 0x66, 0x66),
        (0xf1, 0x4c, 0x4c),
        (0x23, 0xd1, 0x8b),
        (0xf5, 0xf5, 0x43),
        (0x3b, 0x8e, 0xea),
        (0xd6, 0x70, 0xd6),
        (0x29, 0xb8, 0xdb),
        (0xff, 0xff, 0xff),
    ];
    match i {
        0..=15 => BASE[i as usize],
        16..=231 => {
            let i = i - 16;
            let step = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            (step(i / 36), step((i / 6) % 6), step(i % 6))
        }
        _ => {
            let v = 8 + 10 * (i - 232);
            (v, v, v)
        }
    }
}

fn resolve(c: vt100::Color, default: Rgb) -> Rgb {
    match c {
        vt100::Color::Default => default,
        vt100::Color::Idx(i) => indexed(i),
        vt100::Color::Rgb(r, g, b) => (r, g, b),
    }
}

fn css((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[derive(Clone, PartialEq)]
struct Style {
    fg: Rgb,
    bold: bool,
    italic: bool,
    underline: bool,
    dim: bool,
}

/// Box-drawing lines and block elements drawn as shapes filling the cell exactly (glyphs leave
/// gaps between cells); `None` for a character the font draws.
fn shape(ch: &str, x: f32, y: f32, fg: Rgb, bg: Rgb) -> Option<String> {
    const T: f32 = 1.2;
    // Shades are blended here and drawn opaque, so overlapping cells leave no seams.
    let rect = |x: f32, y: f32, w: f32, h: f32, opacity: f32| {
        let mix =
            |f: u8, b: u8| (f32::from(f) * opacity + f32::from(b) * (1.0 - opacity)).round() as u8;
        let fill = css((mix(fg.0, bg.0), mix(fg.1, bg.1), mix(fg.2, bg.2)));
        format!(r#"<rect x="{x:.2}" y="{y:.2}" width="{w:.2}" height="{h:.2}" fill="{fill}"/>"#)
    };
    let (l, r, u, d) = match ch {
        "─" => (true, true, false, false),
        "│" => (false, false, true, true),
        "┌" => (false, true, false, true),
        "┐" => (true, false, false, true),
        "└" => (false, true, true, false),
        "┘" => (true, false, true, false),
        "├" => (false, true, true, true),
        "┤" => (true, false, true, true),
        "┬" => (true, true, false, true),
        "┴" => (true, true, true, false),
        "┼" => (true, true, true, true),
        "█" => return Some(rect(x, y, CELL_W + 0.3, CELL_H + 0.3, 1.0)),
        "▓" => return Some(rect(x, y, CELL_W + 0.3, CELL_H + 0.3, 0.75)),
        "▒" => return Some(rect(x, y, CELL_W + 0.3, CELL_H + 0.3, 0.5)),
        "░" => return Some(rect(x, y, CELL_W + 0.3, CELL_H + 0.3, 0.22)),
        _ => return None,
    };
    let (cx, cy) = (x + CELL_W / 2.0, y + CELL_H / 2.0);
    let mut out = String::new();
    if l {
        out.push_str(&rect(x, cy - T / 2.0, cx - x + T / 2.0, T, 1.0));
    }
    if r {
        out.push_str(&rect(
            cx - T / 2.0,
            cy - T / 2.0,
            x + CELL_W - cx + T / 2.0 + 0.3,
            T,
            1.0,
        ));
    }
    if u {
        out.push_str(&rect(cx - T / 2.0, y, T, cy - y + T / 2.0, 1.0));
    }
    if d {
        out.push_str(&rect(
            cx - T / 2.0,
            cy - T / 2.0,
            T,
            y + CELL_H - cy + T / 2.0 + 0.3,
            1.0,
        ));
    }
    Some(out)
}

fn svg(screen: &vt100::Screen, o: &Opts) -> String {
    let width = PAD * 2.0 + CELL_W * f32::from(o.cols);
    let height = PAD * 2.0 + CELL_H * f32::from(o.rows);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2}" height="{height:.2}" viewBox="0 0 {width:.2} {height:.2}">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{}"/>"#,
        css(o.bg)
    );
    let x_of = |col: u16| PAD + CELL_W * f32::from(col);
    let y_of = |row: u16| PAD + CELL_H * f32::from(row);
    for row in 0..o.rows {
        // Backgrounds: runs of one colour.
        let mut col = 0;
        while col < o.cols {
            let bg_at = |c: u16| {
                screen.cell(row, c).map(|cell| {
                    if cell.inverse() {
                        resolve(cell.fgcolor(), o.fg)
                    } else {
                        resolve(cell.bgcolor(), o.bg)
                    }
                })
            };
            let bg = bg_at(col).unwrap_or(o.bg);
            let start = col;
            while col < o.cols && bg_at(col).unwrap_or(o.bg) == bg {
                col += 1;
            }
            if bg != o.bg {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.2}" y="{:.2}" width="{:.2}" height="{:.2}" fill="{}"/>"#,
                    x_of(start),
                    y_of(row),
                    CELL_W * f32::from(col - start) + 0.3,
                    CELL_H + 0.3,
                    css(bg)
                );
            }
        }
        // Glyphs: runs of one style, each character placed on its own cell.
        let mut run: Option<(Style, Vec<(u16, String)>)> = None;
        let flush = |out: &mut String, run: &mut Option<(Style, Vec<(u16, String)>)>| {
            let Some((style, chars)) = run.take() else {
                return;
            };
            if chars.iter().all(|(_, s)| s.trim().is_empty()) && !style.underline {
                return;
            }
            let xs: Vec<String> = chars
                .iter()
                .map(|(c, s)| {
                    // A multi-char cell (a combining mark) keeps its first x for all of it.
                    std::iter::repeat_n(format!("{:.2}", x_of(*c)), s.chars().count().max(1))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let text: String = chars.iter().map(|(_, s)| s.as_str()).collect();
            let mut attrs = format!(r#"fill="{}""#, css(style.fg));
            if style.bold {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if style.italic {
                attrs.push_str(r#" font-style="italic""#);
            }
            if style.underline {
                attrs.push_str(r#" text-decoration="underline""#);
            }
            if style.dim {
                attrs.push_str(r#" fill-opacity="0.6""#);
            }
            let _ = writeln!(
                out,
                r#"<text x="{}" y="{:.2}" {attrs} xml:space="preserve">{}</text>"#,
                xs.join(" "),
                y_of(row) + ASCENT,
                escape(&text)
            );
        };
        for col in 0..o.cols {
            let Some(cell) = screen.cell(row, col) else {
                continue;
            };
            if cell.is_wide_continuation() {
                continue;
            }
            let fg = if cell.inverse() {
                resolve(cell.bgcolor(), o.bg)
            } else {
                resolve(cell.fgcolor(), o.fg)
            };
            let style = Style {
                fg,
                bold: cell.bold(),
                italic: cell.italic(),
                underline: cell.underline(),
                dim: cell.dim(),
            };
            let mut text = if cell.has_contents() {
                cell.contents().to_owned()
            } else {
                " ".to_owned()
            };
            let bg = if cell.inverse() {
                resolve(cell.fgcolor(), o.fg)
            } else {
                resolve(cell.bgcolor(), o.bg)
            };
            if let Some(shape) = shape(&text, x_of(col), y_of(row), fg, bg) {
                let _ = writeln!(out, "{shape}");
                text = " ".to_owned();
            }
            match &mut run {
                Some((s, chars)) if *s == style => chars.push((col, text)),
                _ => {
                    flush(&mut out, &mut run);
                    run = Some((style, vec![(col, text)]));
                }
            }
        }
        flush(&mut out, &mut run);
    }
    out.push_str("</svg>\n");
    out
}

fn run() -> Result<(), String> {
    let o = parse_args()?;
    let capture = std::fs::read(&o.input).map_err(|e| format!("cannot read {}: {e}", o.input))?;
    let rows = NonZeroU16::new(o.rows).ok_or("--rows must be positive")?;
    let cols = NonZeroU16::new(o.cols).ok_or("--cols must be positive")?;
    let mut parser = vt100::Parser::new(rows, cols, 0);
    // capture-pane ends lines with a bare newline; a terminal needs the carriage return too.
    // The last line has no newline after it, so the screen never scrolls.
    let text = String::from_utf8_lossy(&capture);
    let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
    parser.process(lines.join("\x1b[0m\r\n").as_bytes());
    let svg = svg(parser.screen(), &o);
    if o.svg {
        let path = std::path::Path::new(&o.output).with_extension("svg");
        std::fs::write(&path, &svg).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let mut opt = resvg::usvg::Options {
        font_family: "DejaVu Sans Mono".into(),
        ..Default::default()
    };
    for f in [
        "DejaVuSansMono.ttf",
        "DejaVuSansMono-Bold.ttf",
        "DejaVuSansMono-Oblique.ttf",
    ] {
        let path = std::path::Path::new(FONT_DIR).join(f);
        let data = std::fs::read(&path).map_err(|e| {
            format!(
                "cannot load {}: {e} (apt-get install fonts-dejavu-core)",
                path.display()
            )
        })?;
        opt.fontdb_mut().load_font_data(data);
    }
    let tree = resvg::usvg::Tree::from_str(&svg, &opt).map_err(|e| format!("bad SVG: {e}"))?;
    let size = tree.size();
    let (w, h) = (
        (size.width() * ZOOM).ceil() as u32,
        (size.height() * ZOOM).ceil() as u32,
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w, h).ok_or("empty picture")?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(ZOOM, ZOOM),
        &mut pixmap.as_mut(),
    );
    pixmap
        .save_png(&o.output)
        .map_err(|e| format!("cannot write {}: {e}", o.output))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eos-screenshot: {e}");
            ExitCode::FAILURE
        }
    }
}
