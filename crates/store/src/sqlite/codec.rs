//! How the embedded store packs sources and derived records (zstd; a
//! derived record against its source as dictionary).

/// Derived records and sources are text that compresses three- to
/// fourfold; writing a quarter of the bytes is most of what a batch costs
/// SQLite. Level 1: the fastest, and nearly the best ratio on this text.
pub(crate) fn pack(bytes: &[u8]) -> Vec<u8> {
    PACKER.with(|z| {
        // A compression context costs more to make than to use on a record:
        // one per thread, reused.
        z.borrow_mut()
            .compress(bytes)
            .expect("compressing to memory does not fail")
    })
}

thread_local! {
    static PACKER: std::cell::RefCell<zstd::bulk::Compressor<'static>> =
        std::cell::RefCell::new(zstd::bulk::Compressor::new(1).expect("a zstd context"));
}

pub(crate) fn unpack(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    unpack_against(bytes, &[]).unwrap_or_else(|| zstd::stream::decode_all(bytes))
}

/// Decompresses a frame that carries its size (as `pack` and
/// [`packed_record`] write them) in one call with a reused context (a new
/// one per record was most of the cost of reading a snippet's body),
/// against `dict` as raw content if it is not empty; `None` for a frame
/// without its size.
fn unpack_against(frame: &[u8], dict: &[u8]) -> Option<std::io::Result<Vec<u8>>> {
    let n = match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(n)) if n <= 1 << 30 => n as usize,
        _ => return None,
    };
    let mut out = Vec::with_capacity(n);
    let done = UNPACKER.with(|z| z.borrow_mut().decompress_using_dict(&mut out, frame, dict));
    Some(
        done.map(|_| out)
            .map_err(|code| std::io::Error::other(zstd::zstd_safe::get_error_name(code))),
    )
}

thread_local! {
    static UNPACKER: std::cell::RefCell<zstd::zstd_safe::DCtx<'static>> =
        std::cell::RefCell::new(zstd::zstd_safe::DCtx::create());
}

/// A derived record repeats most of its source (the body, the headers), so
/// it is compressed with the raw source as a dictionary: a third of the
/// bytes of compressing it alone. Such a blob starts with this byte; a plain
/// zstd frame (older archives, and sources that cannot serve) starts with
/// zstd's magic number.
pub(crate) const AGAINST_SOURCE: u8 = b'S';

/// What zstd would read as a formatted dictionary rather than raw content.
pub(crate) const ZSTD_DICT_MAGIC: [u8; 4] = [0x37, 0xa4, 0x30, 0xec];

/// A derived record's JSON, compressed against `source` (the raw source).
pub(crate) fn packed_record(json: &str, source: &[u8]) -> rusqlite::types::Value {
    // Fewer than 8 bytes is no dictionary to zstd.
    if source.len() < 8 || source.starts_with(&ZSTD_DICT_MAGIC) {
        return rusqlite::types::Value::Blob(pack(json.as_bytes()));
    }
    let mut out = vec![0; 1 + zstd::zstd_safe::compress_bound(json.len())];
    out[0] = AGAINST_SOURCE;
    let n = PACKER.with(|z| {
        z.borrow_mut()
            .context_mut()
            .compress_using_dict(&mut out[1..], json.as_bytes(), source, 1)
            .expect("compressing to memory does not fail")
    });
    out.truncate(1 + n);
    rusqlite::types::Value::Blob(out)
}

/// A stored derived record: JSON as text (older archives, and the
/// same-as-first marker) or compressed JSON as a blob. `source` gives the
/// record's raw source, asked for only by a blob compressed against it.
pub(crate) fn record_text(
    v: rusqlite::types::Value,
    source: impl FnOnce() -> Option<Vec<u8>>,
) -> rusqlite::Result<String> {
    use rusqlite::types::{Type, Value};
    let unreadable = || rusqlite::Error::FromSqlConversionFailure(4, Type::Blob, "unreadable record".into());
    match v {
        Value::Text(t) => Ok(t),
        Value::Blob(b) => {
            let raw = match b.split_first() {
                Some((&AGAINST_SOURCE, frame)) => {
                    let source = source().ok_or_else(unreadable)?;
                    unpack_against(frame, &source)
                        .ok_or_else(unreadable)?
                        .map_err(|_| unreadable())?
                }
                _ => unpack(&b).map_err(|_| unreadable())?,
            };
            String::from_utf8(raw).map_err(|_| unreadable())
        }
        _ => Err(rusqlite::Error::InvalidColumnType(4, "record".into(), Type::Null)),
    }
}

/// A stored source as its raw bytes.
pub(crate) fn raw_source(stored: Vec<u8>, packed: bool) -> Option<Vec<u8>> {
    if packed {
        unpack(&stored).ok()
    } else {
        Some(stored)
    }
}
