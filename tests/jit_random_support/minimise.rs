//! Shrinks a failing program by deleting indented blocks (a line and the
//! more deeply indented lines under it), or replacing them with `pass`,
//! while the failure persists. A deletion that breaks the program's
//! syntax fails to compile identically in both tiers, so it is rejected
//! on its own.

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// The end (exclusive) of the block that starts at `start`.
fn block_end(lines: &[&str], start: usize) -> usize {
    let base = indent(lines[start]);
    let mut end = start + 1;
    while end < lines.len() && (lines[end].trim().is_empty() || indent(lines[end]) > base) {
        end += 1;
    }
    end
}

/// Shrinks `src` while `fails` holds, trying at most `budget` candidates.
pub fn minimise(src: &str, mut fails: impl FnMut(&str) -> bool, budget: usize) -> String {
    let mut best = src.to_string();
    let mut tries = 0;
    while tries < budget {
        match shrink_once(&best, &mut fails, &mut tries, budget) {
            Some(smaller) => best = smaller,
            None => break,
        }
    }
    best
}

/// The first candidate, scanning blocks from the end, that still fails.
fn shrink_once(
    best: &str,
    fails: &mut impl FnMut(&str) -> bool,
    tries: &mut usize,
    budget: usize,
) -> Option<String> {
    let lines: Vec<&str> = best.lines().collect();
    for i in (0..lines.len()).rev() {
        if lines[i].trim().is_empty() {
            continue;
        }
        let end = block_end(&lines, i);
        let pass = format!("{}pass", " ".repeat(indent(lines[i])));
        for replacement in [None, Some(pass.as_str())] {
            if *tries >= budget {
                return None;
            }
            let mut cand: Vec<&str> = lines[..i].to_vec();
            cand.extend(replacement);
            cand.extend_from_slice(&lines[end..]);
            let text = cand.join("\n") + "\n";
            if text == best {
                continue;
            }
            *tries += 1;
            if fails(&text) {
                return Some(text);
            }
        }
    }
    None
}
