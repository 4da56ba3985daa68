//! The audit's inputs: plain files, gzip files (rotated logs, several members allowed) and
//! standard input (`-`, gzip or not), read as lines with a cap. A line longer than
//! [`LINE_CAP`] is skipped without being kept in memory; one that is not UTF-8 is counted as
//! not text. A read error (a truncated gzip file) ends that input with a note, keeping what was
//! read. Reading and unpacking run on a thread per input, ahead of the parser.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use flate2::bufread::MultiGzDecoder;

use super::stamp::Date;

/// The longest line read; mail log lines are a few hundred bytes.
pub const LINE_CAP: usize = 64 * 1024;
/// Bytes read at a time.
const BUFFER: usize = 256 * 1024;

/// Why an input could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct OpenError {
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

/// One line as read.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a str),
    /// Not UTF-8: binary data, or another encoding.
    NotText,
    /// Longer than [`LINE_CAP`].
    TooLong,
}

/// An opened input. Reading (and unpacking) runs on a thread of its own from the first
/// [`Input::next_line`] on, a few blocks ahead of the parser: the two cores share the work, and
/// what waits in between is bounded ([`BLOCKS_AHEAD`] blocks of [`BUFFER`] bytes).
pub struct Input {
    /// As given on the command line (`-` for standard input).
    pub name: String,
    pub gzip: bool,
    /// The date years are taken from where the log has none: the file's modification time,
    /// today for standard input.
    pub reference: Date,
    /// What ended the input early, if anything.
    pub problem: Option<String>,
    /// The reader, until reading starts (on its own thread, or on the caller's).
    reader: Option<Box<dyn Read + Send>>,
    threaded: bool,
    source: Option<Source>,
    /// The block being read, where its next line starts, and the skipped lines still to
    /// report from it.
    block: String,
    at: usize,
    not_text: u64,
    too_long: u64,
    done: bool,
}

/// Blocks read ahead of the parser.
const BLOCKS_AHEAD: usize = 4;

/// Where the blocks come from.
enum Source {
    /// The reading thread.
    Thread(mpsc::Receiver<Block>),
    /// The caller's thread.
    Inline(Box<Blocks>),
}

/// What the reading thread hands over.
enum Block {
    /// Whole lines (the last one ends with `\n`, except at the end of the input), checked as
    /// UTF-8 here; the lines that were not text or too long are only counted.
    Lines {
        text: String,
        not_text: u64,
        too_long: u64,
    },
    /// A line longer than [`LINE_CAP`], skipped.
    TooLong,
    /// The input ended early.
    Failed(String),
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .field("gzip", &self.gzip)
            .finish_non_exhaustive()
    }
}

impl Input {
    /// Opens `path` (`-`: standard input), unpacking gzip by its magic bytes.
    pub fn open(path: &Path) -> Result<Input, OpenError> {
        let error = |source| OpenError {
            path: path.to_owned(),
            source,
        };
        if path == Path::new("-") {
            let stdin: Box<dyn Read + Send> = Box::new(io::stdin());
            return Input::from_reader("-".into(), stdin, Date::of(std::time::SystemTime::now()))
                .map_err(error);
        }
        let file = File::open(path).map_err(error)?;
        let metadata = file.metadata().map_err(error)?;
        if metadata.is_dir() {
            return Err(error(io::Error::other("is a directory")));
        }
        let reference = Date::of(
            metadata
                .modified()
                .unwrap_or_else(|_| std::time::SystemTime::now()),
        );
        Input::from_reader(path.display().to_string(), Box::new(file), reference).map_err(error)
    }

    /// Reads from any reader (tests, standard input).
    pub fn from_reader(
        name: String,
        reader: Box<dyn Read + Send>,
        reference: Date,
    ) -> io::Result<Input> {
        let mut buffered = BufReader::with_capacity(BUFFER, reader);
        let gzip = loop {
            match buffered.fill_buf() {
                Ok(start) => break start.starts_with(&[0x1f, 0x8b]),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        };
        let reader: Box<dyn Read + Send> = if gzip {
            Box::new(MultiGzDecoder::new(buffered))
        } else {
            Box::new(buffered)
        };
        Ok(Input {
            name,
            gzip,
            reference,
            problem: None,
            reader: Some(reader),
            threaded: true,
            source: None,
            block: String::new(),
            at: 0,
            not_text: 0,
            too_long: 0,
            done: false,
        })
    }

    /// Reads on the caller's thread instead of a thread of its own (the fuzz target: one
    /// thread per input would cost it most of its runs).
    pub fn on_this_thread(mut self) -> Input {
        self.threaded = false;
        self
    }

    /// The next line, without its `\n` (and `\r`); `None` at the end or after a read error
    /// (then [`Input::problem`] says which).
    pub fn next_line(&mut self) -> Option<Line<'_>> {
        if self.done {
            return None;
        }
        loop {
            if self.not_text > 0 {
                self.not_text -= 1;
                return Some(Line::NotText);
            }
            if self.too_long > 0 {
                self.too_long -= 1;
                return Some(Line::TooLong);
            }
            if self.at < self.block.len() {
                break;
            }
            if let Some(reader) = self.reader.take() {
                let blocks = Blocks::new(reader);
                self.source = Some(if self.threaded {
                    let (sender, receiver) = mpsc::sync_channel(BLOCKS_AHEAD);
                    std::thread::spawn(move || read_blocks(blocks, &sender));
                    Source::Thread(receiver)
                } else {
                    Source::Inline(Box::new(blocks))
                });
            }
            let next = match &mut self.source {
                Some(Source::Thread(receiver)) => receiver.recv().ok(),
                Some(Source::Inline(blocks)) => blocks.next_block(),
                None => None,
            };
            match next {
                Some(Block::Lines {
                    text,
                    not_text,
                    too_long,
                }) => {
                    self.block = text;
                    self.at = 0;
                    self.not_text = not_text;
                    self.too_long = too_long;
                }
                Some(Block::TooLong) => return Some(Line::TooLong),
                Some(Block::Failed(problem)) => {
                    self.problem = Some(problem);
                    self.done = true;
                    return None;
                }
                None => {
                    self.done = true;
                    return None;
                }
            }
        }
        let rest = &self.block[self.at..];
        let end = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        self.at += end + 1;
        // `\n` is ASCII, so `end` is a character boundary.
        let line = &rest[..end];
        Some(Line::Text(line.strip_suffix('\r').unwrap_or(line)))
    }
}

/// Whole lines as a checked block: the whole block at once when it is all UTF-8 (the usual
/// case, no copy), else line by line, keeping the text lines and counting the others.
fn checked(bytes: Vec<u8>) -> Block {
    let bytes = match String::from_utf8(bytes) {
        Ok(text) if !has_long_line(&text) => {
            return Block::Lines {
                text,
                not_text: 0,
                too_long: 0,
            };
        }
        Ok(text) => text.into_bytes(),
        Err(error) => error.into_bytes(),
    };
    let mut text = String::with_capacity(bytes.len());
    let (mut not_text, mut too_long) = (0, 0);
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if content.len() > LINE_CAP {
            too_long += 1;
            continue;
        }
        match std::str::from_utf8(line) {
            Ok(line) => text.push_str(line),
            Err(_) => not_text += 1,
        }
    }
    Block::Lines {
        text,
        not_text,
        too_long,
    }
}

/// Whether a line of `text` is longer than [`LINE_CAP`] (a long line whose end came in the
/// same read as its start).
fn has_long_line(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', bytes).chain([bytes.len()]) {
        // A `\r` before the newline does not count: checked once a line is over the cap.
        if end - start > LINE_CAP {
            let line = &bytes[start..end];
            if line.strip_suffix(b"\r").unwrap_or(line).len() > LINE_CAP {
                return true;
            }
        }
        start = end + 1;
    }
    false
}

/// Blocks of whole lines from a reader: each at most [`BUFFER`] plus a carried partial line of
/// at most [`LINE_CAP`]; a longer line is skipped up to its end and reported as
/// [`Block::TooLong`].
struct Blocks {
    reader: Box<dyn Read + Send>,
    /// The start of a line whose end has not been read yet.
    carry: Vec<u8>,
    /// Inside a line longer than the cap: everything up to its newline is dropped.
    skipping: bool,
    read_buffer: Vec<u8>,
    ended: bool,
}

impl Blocks {
    fn new(reader: Box<dyn Read + Send>) -> Blocks {
        Blocks {
            reader,
            carry: Vec::new(),
            skipping: false,
            read_buffer: vec![0u8; BUFFER],
            ended: false,
        }
    }

    /// The next block; `None` once the input has ended (after its last block or its failure).
    fn next_block(&mut self) -> Option<Block> {
        while !self.ended {
            let count = match self.reader.read(&mut self.read_buffer) {
                Ok(count) => count,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    self.ended = true;
                    return Some(Block::Failed(match error.kind() {
                        io::ErrorKind::UnexpectedEof => {
                            "the file ends in the middle (truncated); the lines before were read"
                                .to_owned()
                        }
                        _ => format!("read error: {error}; the lines before were read"),
                    }));
                }
            };
            if count == 0 {
                self.ended = true;
                if self.skipping {
                    return Some(Block::TooLong);
                }
                if !self.carry.is_empty() {
                    return Some(checked(std::mem::take(&mut self.carry)));
                }
                return None;
            }
            let mut data = &self.read_buffer[..count];
            let mut ended_long_line = false;
            if self.skipping {
                match memchr::memchr(b'\n', data) {
                    Some(end) => {
                        self.skipping = false;
                        ended_long_line = true;
                        data = &data[end + 1..];
                    }
                    None => continue,
                }
            }
            let block = match memchr::memrchr(b'\n', data) {
                Some(last) => {
                    let mut block = Vec::with_capacity(self.carry.len() + last + 1);
                    block.extend_from_slice(&self.carry);
                    block.extend_from_slice(&data[..=last]);
                    self.carry.clear();
                    if data.len() - last - 1 > LINE_CAP {
                        self.skipping = true;
                    } else {
                        self.carry.extend_from_slice(&data[last + 1..]);
                    }
                    Some(checked(block))
                }
                None if self.carry.len() + data.len() > LINE_CAP => {
                    self.carry = Vec::new();
                    self.skipping = true;
                    None
                }
                None => {
                    self.carry.extend_from_slice(data);
                    None
                }
            };
            match (ended_long_line, block) {
                // The long line's end and the lines after it: one block that counts it.
                (
                    true,
                    Some(Block::Lines {
                        text,
                        not_text,
                        too_long,
                    }),
                ) => {
                    return Some(Block::Lines {
                        text,
                        not_text,
                        too_long: too_long + 1,
                    });
                }
                (true, _) => return Some(Block::TooLong),
                (false, Some(block)) => return Some(block),
                (false, None) => {}
            }
        }
        None
    }
}

/// The reading thread: every block to the parser, until the input ends or the parser is gone.
fn read_blocks(mut blocks: Blocks, sender: &mpsc::SyncSender<Block>) {
    while let Some(block) = blocks.next_block() {
        if sender.send(block).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TODAY: Date = crate::audit::stamp::tests::DEC_2026;

    /// The lines as read on a reading thread, checked to be the same as on this thread.
    fn lines(bytes: Vec<u8>) -> (Vec<String>, Option<String>, bool) {
        let read = |threaded: bool| {
            let input =
                Input::from_reader("t".into(), Box::new(io::Cursor::new(bytes.clone())), TODAY)
                    .expect("open");
            let mut input = if threaded {
                input
            } else {
                input.on_this_thread()
            };
            let mut out = Vec::new();
            while let Some(line) = input.next_line() {
                out.push(match line {
                    Line::Text(text) if text.len() > 80 => {
                        format!("<{} bytes of text>", text.len())
                    }
                    Line::Text(text) => text.to_owned(),
                    Line::NotText => "<not text>".to_owned(),
                    Line::TooLong => "<too long>".to_owned(),
                });
            }
            (out, input.problem.clone(), input.gzip)
        };
        let threaded = read(true);
        assert_eq!(read(false), threaded, "both ways of reading");
        threaded
    }

    fn gzip(members: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for member in members {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(member).expect("compress");
            out.extend(encoder.finish().expect("finish"));
        }
        out
    }

    #[test]
    fn lines_end_at_newlines_with_or_without_carriage_returns_and_the_last_may_lack_one() {
        let (got, problem, gzip) = lines(b"one\r\ntwo\n\nthree".to_vec());
        assert_eq!(got, ["one", "two", "", "three"]);
        assert_eq!((problem, gzip), (None, false));
    }

    #[test]
    fn binary_and_overlong_lines_are_marked_and_the_next_line_is_read() {
        let mut bytes = b"\xff\xfe\x00garbage\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', LINE_CAP * 3 + 17));
        bytes.extend(b"\nafter\n");
        let (got, problem, _) = lines(bytes.clone());
        assert_eq!(got, ["<not text>", "<too long>", "after"]);
        // Longer than the cap but within one read; and one at the very end.
        let mut one_read = vec![b'y'; LINE_CAP + 1];
        one_read.extend(b"\nok\n");
        one_read.extend(std::iter::repeat_n(b'z', LINE_CAP * 5));
        let (got, _, _) = lines(one_read);
        assert_eq!(got, ["<too long>", "ok", "<too long>"]);
        assert_eq!(problem, None);
    }

    #[test]
    fn rotated_gzip_files_with_several_members_are_unpacked() {
        let (got, problem, gzip) = lines(gzip(&[b"a\nb\n", b"c\n"]));
        assert_eq!(got, ["a", "b", "c"]);
        assert_eq!((problem, gzip), (None, true));
    }

    #[test]
    fn a_truncated_gzip_file_keeps_its_lines_and_says_so() {
        let whole = gzip(&[&b"line\n".repeat(10_000)]);
        let (got, problem, _) = lines(whole[..whole.len() / 2].to_vec());
        assert!(!got.is_empty() && got.len() < 10_000, "{}", got.len());
        assert!(
            got.iter()
                .all(|line| line == "line" || "line".starts_with(line.as_str()))
        );
        assert!(problem.expect("a problem").contains("truncated"));
    }
}
