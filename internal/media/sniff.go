package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // decoders for DecodeConfig and thumbnails
	"image/jpeg"
	_ "image/png"
	"net/http"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// sniffed is what the bytes of an upload say they are.
type sniffed struct {
	kind        string // dm.Attachment*
	contentType string // what it is served as
}

// sniff decides an upload's kind and served type from its bytes alone:
// never from its name or the Content-Type its client sent. Only a short
// list of types is served as what they are; everything else (HTML, SVG,
// scripts, unknown binaries) is a file served as application/octet-stream
// and as a download, so a browser never runs it.
func sniff(data []byte) sniffed {
	head := data
	if len(head) > 4096 {
		head = head[:4096]
	}
	ct := http.DetectContentType(head)
	switch ct {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return sniffed{dm.AttachmentImage, ct}
	case "video/mp4":
		return sniffed{dm.AttachmentVideo, ct}
	case "video/webm":
		// MediaRecorder's voice notes are WebM with one Opus track and no
		// video track: the codec ids in the track header tell them apart.
		if !bytes.Contains(head, []byte("V_VP")) && !bytes.Contains(head, []byte("V_AV1")) && bytes.Contains(head, []byte("A_OPUS")) {
			return sniffed{dm.AttachmentAudio, "audio/webm"}
		}
		return sniffed{dm.AttachmentVideo, ct}
	case "application/ogg":
		if bytes.Contains(head, []byte("OpusHead")) || bytes.Contains(head, []byte("\x01vorbis")) {
			return sniffed{dm.AttachmentAudio, "audio/ogg"}
		}
	case "audio/mpeg", "audio/wave":
		return sniffed{dm.AttachmentAudio, ct}
	case "application/pdf", "application/zip":
		return sniffed{dm.AttachmentFile, ct}
	}
	if strings.HasPrefix(ct, "text/plain") {
		return sniffed{dm.AttachmentFile, "text/plain; charset=utf-8"}
	}
	return sniffed{dm.AttachmentFile, "application/octet-stream"}
}

// errBadImage is an image whose bytes do not decode.
var errBadImage = errors.New("the image could not be read")

// maxPixels refuses images that would take too much memory to decode
// (a small file can announce a huge canvas).
const maxPixels = 50_000_000

// maxThumbDecodeBytes bounds the memory a thumbnail's decode may take: an
// image larger once decoded (50 million pixels of 16-bit color take 400
// MB) is kept, and shown, without a thumbnail, so that one upload cannot
// take a small server's memory.
const maxThumbDecodeBytes = 200 << 20

// imageInfo returns an image's size, and the bytes a pixel takes once
// decoded.
func imageInfo(data []byte, contentType string) (w, h, pixelBytes int, err error) {
	if contentType == "image/webp" {
		w, h, err = webpSize(data)
		return w, h, 4, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0, 0, errBadImage
	}
	return cfg.Width, cfg.Height, decodedPixelBytes(cfg.ColorModel), nil
}

// needsThumb tells whether an image gets a thumbnail: one larger than a
// thumbnail, that the standard library decodes (not WebP), within
// maxThumbDecodeBytes once decoded.
func needsThumb(w, h, pixelBytes int, contentType string) bool {
	return (w > thumbSize || h > thumbSize) && contentType != "image/webp" && w*h*pixelBytes <= maxThumbDecodeBytes
}

// decodedPixelBytes is what a pixel of color model m takes in the image
// the standard decoders return.
func decodedPixelBytes(m color.Model) int {
	switch m {
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	case color.Gray16Model:
		return 2
	case color.GrayModel:
		return 1
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4 // RGBA, NRGBA, CMYK; YCbCr takes 1.5 to 3
}

// webpSize reads the canvas size from a WebP header (the standard library
// has no WebP decoder; the header is three fixed layouts).
func webpSize(b []byte) (int, int, error) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, errBadImage
	}
	switch string(b[12:16]) {
	case "VP8X":
		w := 1 + int(b[24]) | int(b[25])<<8 | int(b[26])<<16
		h := 1 + int(b[27]) | int(b[28])<<8 | int(b[29])<<16
		return w, h, nil
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, errBadImage
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), nil
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, errBadImage
		}
		v := binary.LittleEndian.Uint32(b[21:25])
		return int(v&0x3fff) + 1, int(v>>14&0x3fff) + 1, nil
	}
	return 0, 0, errBadImage
}

// stripMetadata removes what a photo says about where and when it was
// taken (EXIF with its GPS position, XMP, IPTC, comments) without
// re-encoding the pixels. A JPEG keeps its orientation (2-8) in a new EXIF
// block of that one tag, so that browsers still show it upright. Formats
// without such blocks pass unchanged.
func stripMetadata(data []byte, contentType string, orientation int) ([]byte, error) {
	parts, err := stripParts(data, contentType, orientation)
	if err != nil {
		return nil, err
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	return slices.Concat(parts...), nil
}

// stripParts is stripMetadata in parts that share data's bytes where
// they can: a JPEG's image data (nearly all of a photo) is not copied.
func stripParts(data []byte, contentType string, orientation int) ([][]byte, error) {
	switch contentType {
	case "image/jpeg":
		head, tail, err := stripJPEG(data)
		if err != nil {
			return nil, err
		}
		if orientation > 1 && orientation <= 8 {
			head = slices.Concat(head[:2], orientationEXIF(orientation), head[2:])
		}
		return [][]byte{head, tail}, nil
	case "image/png":
		out, err := stripPNG(data)
		return [][]byte{out}, err
	case "image/webp":
		out, err := stripWebP(data)
		return [][]byte{out}, err
	}
	return [][]byte{data}, nil
}

// stripJPEG copies a JPEG's segments but APP1 (EXIF, XMP), APP13 (IPTC)
// and COM into head; tail is the rest of b from the first SOS on (the
// entropy-coded data, kept as is), not copied.
func stripJPEG(b []byte) (head, tail []byte, err error) {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return nil, nil, errBadImage
	}
	out := []byte{0xff, 0xd8}
	i := 2
	for {
		if i+4 > len(b) || b[i] != 0xff {
			return nil, nil, errBadImage
		}
		marker := b[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xd9 { // EOI without image data
			return out, b[i:], nil
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return nil, nil, errBadImage
		}
		seg := b[i : i+2+n]
		if marker == 0xda { // SOS: the rest is image data
			return out, b[i:], nil
		}
		if marker != 0xe1 && marker != 0xed && marker != 0xfe {
			out = append(out, seg...)
		}
		i += 2 + n
	}
}

// jpegOrientation reads the EXIF orientation of a JPEG (1 to 8; 1, the
// default, when it has none or it cannot be read).
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xff || b[1] != 0xd8 {
		return 1
	}
	for i := 2; i+4 <= len(b) && b[i] == 0xff; {
		marker := b[i+1]
		if marker == 0xff {
			i++
			continue
		}
		if marker == 0xda || marker == 0xd9 {
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		if seg := b[i+4 : i+2+n]; marker == 0xe1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation finds tag 0x0112 in the first IFD of a TIFF header (0
// when absent).
func tiffOrientation(t []byte) int {
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := int(bo.Uint16(t[off : off+2]))
	for k := 0; k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if bo.Uint16(t[e:e+2]) == 0x0112 && bo.Uint16(t[e+2:e+4]) == 3 {
			if o := int(bo.Uint16(t[e+8 : e+10])); o >= 1 && o <= 8 {
				return o
			}
			return 0
		}
	}
	return 0
}

// orientationEXIF is an APP1 segment whose EXIF holds the orientation and
// nothing else (big-endian TIFF, one IFD of one entry).
func orientationEXIF(o int) []byte {
	return []byte{0xff, 0xe1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8, // TIFF header, IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, // orientation, SHORT, 1
		0, 0, 0, 0} // no next IFD
}

// orient turns an image as EXIF orientation o says, so that it is upright.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return src
	}
	w, h := src.Bounds().Dx(), src.Bounds().Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			so, do := src.PixOffset(x, y), dst.PixOffset(dx, dy)
			copy(dst.Pix[do:do+4], src.Pix[so:so+4])
		}
	}
	return dst
}

// stripPNG drops the chunks that carry metadata (eXIf, text, time).
func stripPNG(b []byte) ([]byte, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < len(sig) || string(b[:len(sig)]) != sig {
		return nil, errBadImage
	}
	out := append(make([]byte, 0, len(b)), b[:len(sig)]...)
	i := len(sig)
	for i < len(b) {
		if i+12 > len(b) {
			return nil, errBadImage
		}
		n := int(binary.BigEndian.Uint32(b[i : i+4]))
		if n < 0 || i+12+n > len(b) {
			return nil, errBadImage
		}
		typ := string(b[i+4 : i+8])
		switch typ {
		case "eXIf", "tEXt", "zTXt", "iTXt", "tIME":
		default:
			out = append(out, b[i:i+12+n]...)
		}
		i += 12 + n
		if typ == "IEND" {
			break
		}
	}
	return out, nil
}

// stripWebP drops the EXIF and XMP chunks of an extended WebP and clears
// their flags, then fixes the RIFF size.
func stripWebP(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, errBadImage
	}
	out := append(make([]byte, 0, len(b)), b[:12]...)
	i := 12
	for i+8 <= len(b) {
		typ := string(b[i : i+4])
		n := int(binary.LittleEndian.Uint32(b[i+4 : i+8]))
		end := i + 8 + n + n&1 // chunks are padded to even sizes
		if n < 0 || end > len(b) {
			return nil, errBadImage
		}
		switch typ {
		case "EXIF", "XMP ":
		case "VP8X":
			c := append([]byte(nil), b[i:end]...)
			c[8] &^= 0x08 | 0x04 // EXIF and XMP flags
			out = append(out, c...)
		default:
			out = append(out, b[i:end]...)
		}
		i = end
	}
	binary.LittleEndian.PutUint32(out[4:8], uint32(len(out)-8))
	return out, nil
}

// thumbSize is the longer side of a thumbnail.
const thumbSize = 320

// thumbnail returns a JPEG at most thumbSize on its longer side, turned
// upright by EXIF orientation o, or nil when the image (w by h as stored)
// is small already or its format has no decoder here (WebP). Transparent
// pixels are laid on white.
func thumbnail(data []byte, w, h, o int) ([]byte, error) {
	if w <= thumbSize && h <= thumbSize {
		return nil, nil
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, nil // a format without a decoder here: no thumbnail
	}
	tw, th := thumbSize, h*thumbSize/w
	if h > w {
		tw, th = w*thumbSize/h, thumbSize
	}
	tw, th = max(tw, 1), max(th, 1)
	flat := image.NewRGBA(src.Bounds())
	switch src.(type) {
	case *image.YCbCr, *image.Gray, *image.CMYK: // opaque: no white below
		draw.Draw(flat, flat.Bounds(), src, src.Bounds().Min, draw.Src)
	default:
		draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		draw.Draw(flat, flat.Bounds(), src, src.Bounds().Min, draw.Over)
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	b := flat.Bounds()
	// Box filter: each thumbnail pixel averages the source pixels it covers.
	for y := 0; y < th; y++ {
		y0, y1 := b.Min.Y+y*b.Dy()/th, b.Min.Y+(y+1)*b.Dy()/th
		for x := 0; x < tw; x++ {
			x0, x1 := b.Min.X+x*b.Dx()/tw, b.Min.X+(x+1)*b.Dx()/tw
			var r, g, bl, n uint64
			for sy := y0; sy < max(y1, y0+1); sy++ {
				for sx := x0; sx < max(x1, x0+1); sx++ {
					o := flat.PixOffset(sx, sy)
					r += uint64(flat.Pix[o])
					g += uint64(flat.Pix[o+1])
					bl += uint64(flat.Pix[o+2])
					n++
				}
			}
			o := dst.PixOffset(x, y)
			dst.Pix[o], dst.Pix[o+1], dst.Pix[o+2], dst.Pix[o+3] = uint8(r/n), uint8(g/n), uint8(bl/n), 255
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, orient(dst, o), &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
