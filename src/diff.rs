//! A line diff (the `similar` crate's Myers diff) with context, for config changes: the one
//! diff behind the update screen's and the editor's config diffs.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffLine {
    Same(String),
    Removed(String),
    Added(String),
    /// Unchanged lines left out between hunks.
    Gap(usize),
}

/// The changes from `a` to `b`, with `context` unchanged lines around each change. Empty when
/// the inputs are equal. Inputs longer than a few thousand lines are compared as wholes.
pub fn diff_lines(a: &[String], b: &[String], context: usize) -> Vec<DiffLine> {
    if a == b {
        return Vec::new();
    }
    // Trim the common head and tail; configs usually differ in a few lines.
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops: Vec<DiffLine> = a[..head]
        .iter()
        .map(|s| DiffLine::Same(s.clone()))
        .collect();
    if am.len().saturating_mul(bm.len()) > 4_000_000 {
        // Too big to compare line by line in good time: one block out, one in.
        ops.extend(am.iter().map(|s| DiffLine::Removed(s.clone())));
        ops.extend(bm.iter().map(|s| DiffLine::Added(s.clone())));
    } else {
        // Within a changed block, removals come first, as diff(1) shows them.
        for op in similar::capture_diff_slices(similar::Algorithm::Myers, am, bm) {
            ops.extend(op.iter_changes(am, bm).map(|c| match c.tag() {
                similar::ChangeTag::Equal => DiffLine::Same(c.value().clone()),
                similar::ChangeTag::Delete => DiffLine::Removed(c.value().clone()),
                similar::ChangeTag::Insert => DiffLine::Added(c.value().clone()),
            }));
        }
    }
    ops.extend(
        a[a.len() - tail..]
            .iter()
            .map(|s| DiffLine::Same(s.clone())),
    );
    // Keep `context` lines around changes; fold the rest into gaps.
    let changed: Vec<bool> = ops
        .iter()
        .map(|o| !matches!(o, DiffLine::Same(_)))
        .collect();
    let len = ops.len();
    let near = |k: usize| {
        let lo = k.saturating_sub(context);
        let hi = (k + context + 1).min(len);
        changed[lo..hi].iter().any(|c| *c)
    };
    let mut out = Vec::new();
    let mut gap = 0;
    for (k, op) in ops.into_iter().enumerate() {
        if near(k) {
            if gap > 0 {
                out.push(DiffLine::Gap(gap));
                gap = 0;
            }
            out.push(op);
        } else {
            gap += 1;
        }
    }
    if gap > 0 {
        out.push(DiffLine::Gap(gap));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn shows_changes_with_context() {
        let d = diff_lines(&v("a b c d e f g"), &v("a b c X e f g"), 1);
        assert_eq!(
            d,
            vec![
                DiffLine::Gap(2),
                DiffLine::Same("c".into()),
                DiffLine::Removed("d".into()),
                DiffLine::Added("X".into()),
                DiffLine::Same("e".into()),
                DiffLine::Gap(2),
            ]
        );
        assert!(diff_lines(&v("a b"), &v("a b"), 3).is_empty());
        let d = diff_lines(&v("a"), &v("a b"), 0);
        assert_eq!(d, vec![DiffLine::Gap(1), DiffLine::Added("b".into())]);
    }

    #[test]
    fn a_changed_block_shows_removals_before_additions() {
        let d = diff_lines(&v("a b c d"), &v("a X Y d"), 0);
        assert_eq!(
            d,
            vec![
                DiffLine::Gap(1),
                DiffLine::Removed("b".into()),
                DiffLine::Removed("c".into()),
                DiffLine::Added("X".into()),
                DiffLine::Added("Y".into()),
                DiffLine::Gap(1),
            ]
        );
        // Interleaved changes keep the unchanged lines between them.
        let d = diff_lines(&v("1 a 2 b 3"), &v("1 A 2 B 3"), 0);
        assert_eq!(
            d,
            vec![
                DiffLine::Gap(1),
                DiffLine::Removed("a".into()),
                DiffLine::Added("A".into()),
                DiffLine::Gap(1),
                DiffLine::Removed("b".into()),
                DiffLine::Added("B".into()),
                DiffLine::Gap(1),
            ]
        );
    }
}
