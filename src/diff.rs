//! A line diff (longest common subsequence) with context, for config changes.

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
        ops.extend(am.iter().map(|s| DiffLine::Removed(s.clone())));
        ops.extend(bm.iter().map(|s| DiffLine::Added(s.clone())));
    } else {
        let (n, m) = (am.len(), bm.len());
        let mut lcs = vec![vec![0u32; m + 1]; n + 1];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                lcs[i][j] = if am[i] == bm[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push(DiffLine::Same(am[i].clone()));
                i += 1;
                j += 1;
            } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
                // Removals first, as diff(1) shows them.
                ops.push(DiffLine::Removed(am[i].clone()));
                i += 1;
            } else {
                ops.push(DiffLine::Added(bm[j].clone()));
                j += 1;
            }
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
}
