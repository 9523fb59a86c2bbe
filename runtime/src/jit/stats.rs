//! Counters for `kiln run --stats`: per function tier, calls into compiled
//! code, compile time, code size and exits by reason, plus totals.

use std::fmt::Write;

use super::deopt::Reason;

#[derive(Default, Clone, Debug)]
pub struct FuncStats {
    pub calls: u64,
    pub osr_entries: u64,
    pub compile_micros: u64,
    /// Versions compiled (more than one after repeated deopts).
    pub compiles: u32,
    pub code_bytes: usize,
    pub exits: [u64; Reason::ALL.len()],
}

impl FuncStats {
    pub fn count_exit(&mut self, r: Reason) {
        if let Some(c) = self.exits.get_mut(r as usize) {
            *c += 1;
        }
    }
}

pub fn render<'a>(rows: impl Iterator<Item = (String, String, &'a FuncStats)>) -> String {
    let mut rows: Vec<_> = rows.collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from(
        "jit: function, tier, calls, osr entries, compiles, compile us, code bytes, exits\n",
    );
    let (mut micros, mut bytes) = (0u64, 0usize);
    for (name, tier, s) in &rows {
        micros += s.compile_micros;
        bytes += s.code_bytes;
        let exits: Vec<String> = Reason::ALL
            .iter()
            .filter(|r| s.exits[**r as usize] > 0)
            .map(|r| format!("{}={}", r.label(), s.exits[*r as usize]))
            .collect();
        let _ = writeln!(
            out,
            "jit:   {name}  {tier}  calls={}  osr={}  compiles={}  compile={}us  code={}B  exits=[{}]",
            s.calls,
            s.osr_entries,
            s.compiles,
            s.compile_micros,
            s.code_bytes,
            exits.join(",")
        );
    }
    let _ = writeln!(
        out,
        "jit: total: {} functions, compile {}us, code {}B",
        rows.len(),
        micros,
        bytes
    );
    out
}
