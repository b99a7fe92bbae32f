package jpegscale

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
)

// scan is a scan header (T.81 B.2.3).
type scan struct {
	comps  [4]*component
	dc, ac [4]*huffman
	n      int
	ss, se int // spectral selection, zigzag indices
	ah, al int // successive approximation
}

func (d *decoder) parseScan(seg []byte) error {
	if !d.frame {
		return formatError("scan before frame")
	}
	if d.headerOnly {
		return errHeaderRead
	}
	if len(seg) < 1 {
		return formatError("short SOS")
	}
	var s scan
	s.n = int(seg[0])
	if s.n < 1 || s.n > len(d.comps) || len(seg) != 4+2*s.n {
		return formatError("bad SOS length")
	}
	blocks := 0
	for i := range s.n {
		id, tables := seg[1+2*i], seg[2+2*i]
		var c *component
		for j := range d.comps {
			if d.comps[j].id == id {
				c = &d.comps[j]
			}
		}
		if c == nil {
			return formatError("scan of an unknown component")
		}
		for j := range i {
			if s.comps[j] == c {
				return formatError("component twice in a scan")
			}
		}
		td, ta := tables>>4, tables&15
		if td > 3 || ta > 3 {
			return formatError("bad scan table")
		}
		s.comps[i], s.dc[i], s.ac[i] = c, &d.dc[td], &d.ac[ta]
		c.seen = true
		blocks += c.h * c.v
	}
	if s.n > 1 && blocks > 10 {
		return formatError("more than 10 blocks an MCU")
	}
	p := 1 + 2*s.n
	s.ss, s.se, s.ah, s.al = int(seg[p]), int(seg[p+1]), int(seg[p+2]>>4), int(seg[p+2]&15)
	if d.progressive {
		if s.ss > s.se || s.se > 63 || s.ss == 0 && s.se != 0 || s.ss > 0 && s.n != 1 || s.al > 13 || s.ah > 13 {
			return formatError("bad progressive scan parameters")
		}
	} else if s.ss != 0 || s.se != 63 || s.ah != 0 || s.al != 0 {
		return formatError("bad sequential scan parameters")
	}
	// The blocks this scan walks (see decodeScan), counted before any of
	// its data is decoded.
	if s.n == 1 {
		d.work += int64(s.comps[0].nbw) * int64(s.comps[0].nbh)
	} else {
		d.work += int64(d.mcux) * int64(d.mcuy) * int64(blocks)
	}
	if d.work > MaxScanWork*d.blocks {
		return fmt.Errorf("%w: scan %d brings the blocks decoded to more than %d× the image's %d blocks",
			ErrTooManyScans, d.scans+1, MaxScanWork, d.blocks)
	}
	for i := range s.n {
		needDC := s.ss == 0 && s.ah == 0
		needAC := s.se > 0
		if needDC && !s.dc[i].defined || needAC && !s.ac[i].defined {
			return formatError("scan uses an undefined Huffman table")
		}
	}
	d.allocate()
	d.scans++
	return d.decodeScan(&s)
}

// decodeScan decodes the entropy-coded data that follows a scan header at
// d.pos, and leaves d.pos past it.
func (d *decoder) decodeScan(s *scan) error {
	d.br = bitReader{data: d.data, pos: d.pos}
	br := &d.br
	perRow, rows := d.mcux, d.mcuy
	if s.n == 1 {
		perRow, rows = s.comps[0].nbw, s.comps[0].nbh
	}
	for i := range s.n {
		s.comps[i].pred = 0
	}
	d.eobrun = 0
	var blk [64]int32
	total, next := perRow*rows, 0
	for mcu := range total {
		if d.restart > 0 && mcu > 0 && mcu%d.restart == 0 {
			if err := d.restartInterval(next); err != nil {
				return err
			}
			next = (next + 1) & 7
			for i := range s.n {
				s.comps[i].pred = 0
			}
			d.eobrun = 0
		}
		mx, my := mcu%perRow, mcu/perRow
		for i := range s.n {
			c := s.comps[i]
			bx0, by0, h, v := mx*c.h, my*c.v, c.h, c.v
			if s.n == 1 {
				bx0, by0, h, v = mx, my, 1, 1
			}
			for y := range v {
				for x := range h {
					bx, by := bx0+x, by0+y
					var err error
					switch {
					case !d.progressive:
						err = d.sequentialBlock(c, s.dc[i], s.ac[i], &blk, bx, by)
					case s.ss == 0 && s.ah == 0:
						err = d.dcFirst(c, s.dc[i], by*c.bw+bx, s.al)
					case s.ss == 0:
						if br.bit() {
							c.coefs[(by*c.bw+bx)*d.m*d.m] |= 1 << s.al
						}
					case s.ah == 0:
						err = d.acFirst(c, s.ac[i], by*c.bw+bx, s)
					default:
						err = d.acRefine(c, s.ac[i], by*c.bw+bx, s)
					}
					if err != nil {
						return err
					}
				}
			}
		}
	}
	if br.overrun() {
		return formatError("truncated scan")
	}
	d.pos = br.pos
	return nil
}

// restartInterval checks that the interval ended with the RSTn marker n
// expected, and starts the next one.
func (d *decoder) restartInterval(n int) error {
	br := &d.br
	if br.overrun() {
		return formatError("truncated restart interval")
	}
	data := br.data
	p := br.pos
	for p+1 < len(data) && data[p] == 0xff && data[p+1] == 0xff {
		p++
	}
	if p+1 >= len(data) || data[p] != 0xff || int(data[p+1]) != 0xd0+n {
		return formatError("missing restart marker")
	}
	*br = bitReader{data: data, pos: p + 2}
	return nil
}

// sequentialBlock decodes one block of a sequential scan and writes its
// samples, at the scale, to the component's plane.
func (d *decoder) sequentialBlock(c *component, dc, ac *huffman, blk *[64]int32, bx, by int) error {
	br := &d.br
	m := d.m
	n := m * m
	for i := range n {
		blk[i] = 0
	}
	q := &d.quant[c.tq]
	s, err := br.decode(dc)
	if err != nil {
		return err
	}
	if s > 16 {
		return formatError("bad DC difference size")
	}
	c.pred += br.receive(int(s))
	blk[0] = c.pred * q[0]
	hasAC := false
	for k := 1; k < 64; k++ {
		if br.n < 16 {
			br.fill()
		}
		if e := ac.fastAC[br.acc>>(64-lookBits)]; e != 0 {
			// A short code and its value at once.
			l := int(e & 255)
			br.acc <<= l
			br.n -= l
			k += int(e >> 8 & 15)
			if k > 63 {
				return formatError("coefficient index past 63")
			}
			if sl := d.slot[k]; sl >= 0 {
				blk[sl] = e >> 16 * q[k]
				hasAC = true
			}
			continue
		}
		rs, err := br.decode(ac)
		if err != nil {
			return err
		}
		r, s := int(rs>>4), int(rs&15)
		if s == 0 {
			if r != 15 {
				break // EOB
			}
			k += 15
			continue
		}
		k += r
		if k > 63 {
			return formatError("coefficient index past 63")
		}
		v := br.receive(s)
		if sl := d.slot[k]; sl >= 0 {
			blk[sl] = v * q[k]
			hasAC = true
		}
	}
	off := by*m*c.stride + bx*m
	idct(blk, m, hasAC, c.pix[off:], c.stride)
	return nil
}

// dcFirst decodes the DC coefficient of a block in a progressive DC scan.
func (d *decoder) dcFirst(c *component, dc *huffman, b, al int) error {
	s, err := d.br.decode(dc)
	if err != nil {
		return err
	}
	if s > 16 {
		return formatError("bad DC difference size")
	}
	c.pred += d.br.receive(int(s))
	c.coefs[b*d.m*d.m] = int16(c.pred << al)
	return nil
}

// acFirst decodes a block's first pass of AC coefficients ss..se
// (T.81 G.1.2.2).
func (d *decoder) acFirst(c *component, ac *huffman, b int, s *scan) error {
	if d.eobrun > 0 {
		d.eobrun--
		return nil
	}
	br := &d.br
	n := d.m * d.m
	coefs := c.coefs[b*n : b*n+n]
	nz := &c.nz[b]
	for k := s.ss; k <= s.se; k++ {
		if br.n < 16 {
			br.fill()
		}
		if e := ac.fastAC[br.acc>>(64-lookBits)]; e != 0 {
			l := int(e & 255)
			br.acc <<= l
			br.n -= l
			k += int(e >> 8 & 15)
			if k > 63 {
				return formatError("coefficient index past 63")
			}
			*nz |= 1 << k
			if sl := d.slot[k]; sl >= 0 {
				coefs[sl] = int16(e >> 16 << s.al)
			}
			continue
		}
		rs, err := br.decode(ac)
		if err != nil {
			return err
		}
		r, z := int(rs>>4), int(rs&15)
		if z == 0 {
			if r < 15 {
				d.eobrun = 1<<r - 1
				if r > 0 {
					d.eobrun += br.bits(r)
				}
				break
			}
			k += 15
			continue
		}
		k += r
		if k > 63 {
			return formatError("coefficient index past 63")
		}
		v := br.receive(z) << s.al
		*nz |= 1 << k
		if sl := d.slot[k]; sl >= 0 {
			coefs[sl] = int16(v)
		}
	}
	return nil
}

// acRefine decodes a block's refinement pass of AC coefficients ss..se
// (T.81 G.1.2.3): one more bit of each coefficient already non-zero, and
// the coefficients that become non-zero.
func (d *decoder) acRefine(c *component, ac *huffman, b int, s *scan) error {
	br := &d.br
	n := d.m * d.m
	coefs := c.coefs[b*n : b*n+n]
	nz := &c.nz[b]
	p1, m1 := int16(1)<<s.al, int16(-1)<<s.al
	// band has a bit set for each coefficient the scan codes, ss..se.
	band := uint64(1)<<(s.se+1) - 1
	k := s.ss
	if d.eobrun == 0 {
		for ; k <= s.se; k++ {
			rs, err := br.decode(ac)
			if err != nil {
				return err
			}
			r, z := int(rs>>4), int(rs&15)
			var val int16
			if z == 0 {
				if r < 15 {
					d.eobrun = 1 << r
					if r > 0 {
						d.eobrun += br.bits(r)
					}
					break
				}
			} else {
				if z != 1 {
					return formatError("bad refinement size")
				}
				val = m1
				if br.bit() {
					val = p1
				}
			}
			// Skip r coefficients still zero, refining the non-zero ones
			// on the way; the next zero one takes val.
			zeros := ^*nz >> k << k & band
			for ; r > 0 && zeros != 0; r-- {
				zeros &= zeros - 1
			}
			next := s.se + 1
			if zeros != 0 {
				next = bits.TrailingZeros64(zeros)
			}
			for rest := *nz & (uint64(1)<<next - 1) >> k << k; rest != 0; rest &= rest - 1 {
				if br.bit() {
					refine(coefs, d.slot[bits.TrailingZeros64(rest)], p1, m1)
				}
			}
			if zeros != 0 && val != 0 {
				*nz |= 1 << next
				if sl := d.slot[next]; sl >= 0 {
					coefs[sl] = val
				}
			}
			k = next
		}
	}
	if d.eobrun > 0 {
		// The rest of the band is zero but for a correction bit of each
		// coefficient already non-zero.
		if k <= s.se {
			for rest := *nz >> k << k & band; rest != 0; rest &= rest - 1 {
				if br.bit() {
					refine(coefs, d.slot[bits.TrailingZeros64(rest)], p1, m1)
				}
			}
		}
		d.eobrun--
	}
	return nil
}

// refine adds a correction bit, p1 (1 << Al), to the magnitude of the
// coefficient in slot sl (none when < 0) unless it has it already.
func refine(coefs []int16, sl int8, p1, m1 int16) {
	if sl < 0 {
		return
	}
	if v := coefs[sl]; v&p1 == 0 {
		if v >= 0 {
			coefs[sl] = v + p1
		} else {
			coefs[sl] = v + m1
		}
	}
}

// finishProgressive dequantizes every block of a progressive frame and
// writes its samples, in bands of block rows run on all cores.
func (d *decoder) finishProgressive() {
	type band struct {
		c      *component
		lo, hi int
	}
	var work []band
	workers := runtime.GOMAXPROCS(0)
	for i := range d.comps {
		c := &d.comps[i]
		step := max(1, (c.bh+2*workers-1)/(2*workers))
		for lo := 0; lo < c.bh; lo += step {
			work = append(work, band{c, lo, min(c.bh, lo+step)})
		}
	}
	next := make(chan band)
	var wg sync.WaitGroup
	for range min(workers, len(work)) {
		wg.Go(func() {
			for b := range next {
				d.idctRows(b.c, b.lo, b.hi)
			}
		})
	}
	for _, b := range work {
		next <- b
	}
	close(next)
	wg.Wait()
}

// idctRows writes the samples of c's block rows lo..hi-1.
func (d *decoder) idctRows(c *component, lo, hi int) {
	m := d.m
	n := m * m
	// The quantization step of each slot.
	var q [64]int32
	for k, sl := range d.slot {
		if sl >= 0 {
			q[sl] = d.quant[c.tq][k]
		}
	}
	var blk [64]int32
	for by := lo; by < hi; by++ {
		for bx := range c.bw {
			b := by*c.bw + bx
			coefs := c.coefs[b*n : b*n+n]
			hasAC := false
			for i, v := range coefs {
				blk[i] = int32(v) * q[i]
				if i > 0 && v != 0 {
					hasAC = true
				}
			}
			idct(&blk, m, hasAC, c.pix[by*m*c.stride+bx*m:], c.stride)
		}
	}
}
