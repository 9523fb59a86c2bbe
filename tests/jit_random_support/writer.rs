//! Indented Python source text, one statement per line.

#[derive(Default)]
pub struct Writer {
    lines: Vec<String>,
    indent: usize,
}

impl Writer {
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.lines
            .push(format!("{}{}", "    ".repeat(self.indent), text.as_ref()));
    }

    /// Opens a block: `header` ends with `:`; the body is one level deeper.
    pub fn open(&mut self, header: impl AsRef<str>) {
        self.line(header);
        self.indent += 1;
    }

    pub fn close(&mut self) {
        self.indent = self.indent.saturating_sub(1);
    }

    /// A position to pass to `close_after`.
    pub fn mark(&self) -> usize {
        self.lines.len()
    }

    /// Closes a block, first adding `pass` if nothing was written since `mark`.
    pub fn close_after(&mut self, mark: usize) {
        if self.lines.len() == mark {
            self.line("pass");
        }
        self.close();
    }

    pub fn finish(self) -> String {
        let mut text = self.lines.join("\n");
        text.push('\n');
        text
    }
}
