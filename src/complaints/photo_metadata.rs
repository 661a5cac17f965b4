//! Evidence photos lose what they say about the person who took them
//! (GPS position, camera and phone model, time, editing software) before
//! they are stored or hashed. Only the picture and what is needed to show
//! it right are kept: in a JPEG the frame, tables, JFIF header, ICC colour
//! profile and Adobe colour-transform marker; in a PNG the critical chunks
//! and the colour and transparency ones. The EXIF orientation goes with the
//! rest, so a photo taken sideways is shown as the sensor saw it.

/// Why a photo could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed;

/// The photo without its metadata.
pub fn strip(content_type: &str, bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    match content_type {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        _ => Err(Malformed),
    }
}

/// Segments kept: APP0 (JFIF), APP2 (ICC profile), APP14 (Adobe) and
/// everything that is not an application segment or a comment.
fn keep_jpeg_segment(marker: u8) -> bool {
    match marker {
        0xE0 | 0xE2 | 0xEE => true,
        0xE1..=0xEF | 0xFE => false,
        _ => true,
    }
}

fn strip_jpeg(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Err(Malformed);
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    loop {
        // Markers may be padded with extra 0xFF bytes.
        while bytes.get(at) == Some(&0xFF) && bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (bytes.get(at), bytes.get(at + 1)) else {
            return Err(Malformed);
        };
        match marker {
            // End of image without a scan: nothing to show.
            0xD9 => return Err(Malformed),
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&bytes[at..at + 2]);
                at += 2;
                continue;
            }
            _ => {}
        }
        let length = match (bytes.get(at + 2), bytes.get(at + 3)) {
            (Some(&hi), Some(&lo)) => usize::from(hi) << 8 | usize::from(lo),
            _ => return Err(Malformed),
        };
        let end = at + 2 + length;
        if length < 2 || end > bytes.len() {
            return Err(Malformed);
        }
        if marker == 0xDA {
            // Start of scan: the picture itself, to the end of the file.
            out.extend_from_slice(&bytes[at..]);
            return Ok(out);
        }
        if keep_jpeg_segment(marker) {
            out.extend_from_slice(&bytes[at..end]);
        }
        at = end;
    }
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// Chunks kept: the critical ones and those that change how it looks.
fn keep_png_chunk(kind: &[u8]) -> bool {
    matches!(
        kind,
        b"IHDR"
            | b"PLTE"
            | b"IDAT"
            | b"IEND"
            | b"tRNS"
            | b"gAMA"
            | b"cHRM"
            | b"sRGB"
            | b"iCCP"
            | b"sBIT"
            | b"pHYs"
            | b"bKGD"
    )
}

fn strip_png(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    if !bytes.starts_with(&PNG_SIGNATURE) {
        return Err(Malformed);
    }
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&PNG_SIGNATURE);
    let mut at = PNG_SIGNATURE.len();
    loop {
        let header = bytes.get(at..at + 8).ok_or(Malformed)?;
        let length = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
        let kind = &header[4..8];
        // Length, type, data and CRC.
        let end = at
            .checked_add(12)
            .and_then(|n| n.checked_add(length))
            .filter(|&end| end <= bytes.len())
            .ok_or(Malformed)?;
        if keep_png_chunk(kind) {
            out.extend_from_slice(&bytes[at..end]);
        }
        if kind == b"IEND" {
            return Ok(out);
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(marker: u8, body: &[u8]) -> Vec<u8> {
        let len = (body.len() + 2) as u16;
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&len.to_be_bytes());
        s.extend_from_slice(body);
        s
    }

    fn jpeg_with_exif() -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(segment(0xE1, b"Exif\0\0GPS 29.55N 106.57E iPhone 15"));
        j.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<xmp/>"));
        j.extend(segment(0xFE, b"taken at home"));
        j.extend(segment(0xDB, &[0u8; 65]));
        j.extend(segment(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        j.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        j.extend_from_slice(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]);
        j
    }

    #[test]
    fn a_jpeg_loses_exif_xmp_and_comments_and_keeps_its_picture() {
        let original = jpeg_with_exif();
        let clean = strip("image/jpeg", &original).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("GPS"));
        assert!(!text.contains("iPhone"));
        assert!(!text.contains("xmp"));
        assert!(!text.contains("taken at home"));
        assert!(text.contains("JFIF"));
        // The scan and everything after it are untouched.
        assert!(clean.ends_with(&[0x12, 0x34, 0xFF, 0x00, 0x56, 0xFF, 0xD9]));
        assert!(clean.len() < original.len());
        // Stripping twice changes nothing more.
        assert_eq!(strip("image/jpeg", &clean).unwrap(), clean);
    }

    #[test]
    fn a_truncated_jpeg_is_refused() {
        let original = jpeg_with_exif();
        assert_eq!(strip("image/jpeg", &original[..20]), Err(Malformed));
        assert_eq!(
            strip("image/jpeg", &[0xFF, 0xD8, 0xFF, 0xD9]),
            Err(Malformed)
        );
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&[0, 0, 0, 0]);
        c
    }

    #[test]
    fn a_png_loses_its_text_exif_and_time_chunks() {
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
        p.extend(chunk(b"eXIf", b"GPS 29.55N"));
        p.extend(chunk(b"tEXt", b"Author\0Li Xiaoyu"));
        p.extend(chunk(b"tIME", &[7, 234, 11, 27, 10, 0, 0]));
        p.extend(chunk(b"IDAT", &[1, 2, 3]));
        p.extend(chunk(b"IEND", &[]));
        let clean = strip("image/png", &p).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("GPS") && !text.contains("Li Xiaoyu") && !text.contains("tIME"));
        assert!(text.contains("IHDR") && text.contains("IDAT") && text.contains("IEND"));
        assert_eq!(strip("image/png", &p[..p.len() - 3]), Err(Malformed));
    }
}
