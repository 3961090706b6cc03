//! `eos clusters`: the clusters of Aurora's clusters.json and how each is reached.

use super::fail;

/// `eos clusters`: the clusters of Aurora's clusters.json, how each is reached, its auth
/// mechanism and the file it came from.
pub fn run() -> i32 {
    let all = match crate::aurora::clusters::Clusters::load() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    print!("{}", clusters_table(&all));
    0
}

/// The `eos clusters` listing.
pub fn clusters_table(all: &crate::aurora::clusters::Clusters) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if all.clusters.is_empty() {
        let files: Vec<String> = all
            .searched
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let _ = writeln!(
            out,
            "no clusters defined (looked in {}); use --scheduler URL",
            files.join(", ")
        );
        return out;
    }
    let rows: Vec<[String; 4]> = all
        .clusters
        .values()
        .map(|c| {
            [
                c.name.clone(),
                c.how_reached(),
                c.auth_mechanism.clone(),
                c.source.display().to_string(),
            ]
        })
        .collect();
    let head = ["NAME", "REACHED AT", "AUTH", "FILE"];
    let w: Vec<usize> = (0..3)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut line = |r: [&str; 4]| {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2]
        );
    };
    line(head);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3]]);
    }
    out
}
