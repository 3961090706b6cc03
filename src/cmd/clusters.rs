//! `eos clusters`: the clusters Eos can reach by name — Aurora's clusters.json and the Docker
//! Swarms of Eos's config — with their kind and how each is reached.

use clap::Args;

use super::fail;
use super::get::Output;
use crate::cluster_list::{ClusterEntry, cluster_entries, config_file, docker_clusters};

#[derive(Args, Debug)]
pub struct ClustersArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Table)]
    pub output: Output,
    /// The config file, for its `[clusters.NAME] docker = "URL"` Swarms (default:
    /// $XDG_CONFIG_HOME/eos/config.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
}

/// `eos clusters`: every cluster by name, its kind (aurora or docker), how it is reached, its
/// auth mechanism and the file it came from.
pub fn run(args: &ClustersArgs) -> i32 {
    let aurora = match crate::aurora::clusters::Clusters::load() {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let dir = super::config_dir();
    let (config, _) = match crate::config::load(args.config.as_deref(), dir.as_deref()) {
        Ok(c) => c,
        Err(e) => return fail(String::from(e)),
    };
    let file = config_file(args.config.as_deref(), dir.as_deref());
    let all = cluster_entries(&aurora, &docker_clusters(&config), file.as_deref());
    match args.output {
        Output::Json => match serde_json::to_string_pretty(&all) {
            Ok(text) => println!("{text}"),
            Err(e) => return fail(e),
        },
        Output::Table if all.is_empty() => {
            let files: Vec<String> = aurora
                .searched
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            println!(
                "no clusters defined (looked in {}, and for [clusters.NAME] docker = \"URL\" in \
                 Eos's config); use --scheduler URL or --docker",
                files.join(", ")
            );
        }
        Output::Table => print!("{}", clusters_table(&all)),
    }
    0
}

/// The `eos clusters` listing.
pub fn clusters_table(all: &[ClusterEntry]) -> String {
    use std::fmt::Write as _;
    let rows: Vec<[String; 5]> = all
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.kind.label().to_owned(),
                c.reached_at.clone(),
                c.auth_mechanism.clone().unwrap_or_else(|| "-".into()),
                c.file.display().to_string(),
            ]
        })
        .collect();
    let head = ["NAME", "KIND", "REACHED AT", "AUTH", "FILE"];
    let w: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([head[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |r: [&str; 5]| {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
    };
    line(head);
    for r in &rows {
        line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
    }
    out
}
