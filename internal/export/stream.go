package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"math"
)

// streamBuffer is the size of the buffer between an export's encoder and
// its writer: the most of an export held in memory besides the one file's
// geometry being converted.
const streamBuffer = 32 << 10

// jsonStream writes a JSON document to w piece by piece: literal text, and
// values encoded one at a time as json.Marshal encodes them, so a document
// written of several values has the bytes json.Marshal would give the
// whole. The first error sticks and ends the writing.
type jsonStream struct {
	w   *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
	err error
}

func newJSONStream(w io.Writer) *jsonStream {
	s := &jsonStream{w: bufio.NewWriterSize(w, streamBuffer)}
	s.enc = json.NewEncoder(&s.buf)
	return s
}

// raw writes text as it is.
func (s *jsonStream) raw(text string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(text)
	}
}

// value writes v as json.Marshal encodes it.
func (s *jsonStream) value(v any) {
	if s.err != nil {
		return
	}
	s.buf.Reset()
	if s.err = s.enc.Encode(v); s.err != nil {
		return
	}
	// Encode ends the value with a newline, which Marshal does not.
	_, s.err = s.w.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
}

// array writes the values of seq as the elements of a JSON array,
// brackets included, stopping at the first error.
func array[T any](s *jsonStream, seq iter.Seq[T]) {
	s.raw("[")
	first := true
	for v := range seq {
		if !first {
			s.raw(",")
		}
		first = false
		s.value(v)
		if s.err != nil {
			break
		}
	}
	s.raw("]")
}

// close flushes what is buffered and returns the first error.
func (s *jsonStream) close() error {
	if s.err == nil {
		s.err = s.w.Flush()
	}
	return s.err
}

// finiteOr0 is v, or 0 when v is not finite (NaN or infinite), which JSON
// cannot carry: only coordinates far outside CDF's 0..1 overflow so.
func finiteOr0(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}
