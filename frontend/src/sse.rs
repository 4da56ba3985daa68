//! Server-Sent Events, parsed from the bytes of a streamed `fetch` response (the page reads the
//! check stream with `fetch` rather than `EventSource`, because only `fetch` sees the JSON error
//! body of a refused check). Pure, so it is unit-tested natively.

/// Most bytes one event may hold; a longer one is dropped (a report is a few KB).
const MAX_EVENT_BYTES: usize = 1 << 20;

/// Turns chunks of the stream into `(event name, data)` pairs.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
}

impl SseParser {
    /// Adds a chunk; returns the events it completed. Chunks may split events, lines and
    /// UTF-8 sequences anywhere.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<(String, String)> {
        self.pending
            .extend(chunk.iter().copied().filter(|byte| *byte != b'\r'));
        let mut events = Vec::new();
        while let Some(end) = self.pending.windows(2).position(|pair| pair == b"\n\n") {
            let block: Vec<u8> = self.pending.drain(..end + 2).collect();
            if let Some(event) = parse_block(&String::from_utf8_lossy(&block)) {
                events.push(event);
            }
        }
        if self.pending.len() > MAX_EVENT_BYTES {
            self.pending.clear();
        }
        events
    }
}

/// One event block: `event:` names it (default `message`), `data:` lines are joined with `\n`,
/// lines starting with `:` are comments (the server's keep-alives).
fn parse_block(block: &str) -> Option<(String, String)> {
    let mut name = None;
    let mut data: Option<String> = None;
    for line in block.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => name = Some(value.to_owned()),
            "data" => match &mut data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => data = Some(value.to_owned()),
            },
            _ => {}
        }
    }
    Some((name.unwrap_or_else(|| "message".to_owned()), data?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_across_chunk_boundaries() {
        let stream = "event: start\ndata: {\"total\":2}\n\n: keep-alive\n\nevent: endpoint\r\ndata: {\"host\":\"müller.de\"}\r\n\r\nevent: report\ndata: {\"a\":1}\ndata: {\"b\":2}\n\n";
        let expected = vec![
            ("start".to_owned(), "{\"total\":2}".to_owned()),
            ("endpoint".to_owned(), "{\"host\":\"müller.de\"}".to_owned()),
            ("report".to_owned(), "{\"a\":1}\n{\"b\":2}".to_owned()),
        ];
        // Every split point, including inside the two-byte `ü`.
        for split in 0..stream.len() {
            let mut parser = SseParser::default();
            let (first, second) = stream.as_bytes().split_at(split);
            let mut events = parser.push(first);
            events.extend(parser.push(second));
            assert_eq!(events, expected, "split at {split}");
        }
        // Byte by byte.
        let mut parser = SseParser::default();
        let events: Vec<_> = stream
            .as_bytes()
            .iter()
            .flat_map(|byte| parser.push(&[*byte]))
            .collect();
        assert_eq!(events, expected);
    }

    #[test]
    fn an_endless_event_is_dropped_not_hoarded() {
        let mut parser = SseParser::default();
        let junk = vec![b'x'; MAX_EVENT_BYTES + 10];
        assert!(parser.push(b"event: endpoint\ndata: ").is_empty());
        assert!(parser.push(&junk).is_empty());
        assert!(parser.pending.is_empty());
        assert_eq!(
            parser.push(b"\n\nevent: start\ndata: {}\n\n"),
            vec![("start".to_owned(), "{}".to_owned())]
        );
    }
}
