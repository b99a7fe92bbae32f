package render

import "runtime"

// The working set MemoryLimit allows for each turn, besides the caches: a
// decode turn holds a downloaded file (a 12–18 MP photo is 2–16 MB), the
// decoder's buffers and the scaled planes; a drawing turn holds a display
// canvas (2048 px wide: 12 MB as RGBA), the drawing's masks and the
// encoded output. The base is the rest of the process: the runtime, the
// job, file and export caches, the connections.
const (
	decodeTurnBytes  = 64 << 20
	drawingTurnBytes = 16 << 20
	baseBytes        = 48 << 20
)

// decodeBudget is the bytes the decodes running at once may expect to hold
// (imaging.DecodeMemory): the decode turns' share of MemoryLimit,
// concurrency × 64 MiB. A decode expecting more runs alone.
func decodeBudget(concurrency int) int64 {
	return int64(max(concurrency, 1)) * decodeTurnBytes
}

// MemoryLimit is the soft memory limit for the Go runtime
// (runtime/debug.SetMemoryLimit, GOMEMLIMIT) that suits a Service made with
// opts: what its caches may hold when full, plus a working set for each
// decode turn (Concurrency) and each drawing turn (twice as many), plus a
// base for the rest of the process:
//
//	ImageCacheBytes + OutputCacheBytes + Concurrency × 64 MiB + 2 × Concurrency × 16 MiB + 48 MiB
//
// With the defaults on two CPUs: 256 + 32 + 128 + 64 + 48 = 528 MiB.
// With Peers (only its SourceBytes is read) the shared groups come on
// top: Peers.SourceBytes for the shared sources and OutputCacheBytes
// again for the shared outputs, which the group holds beside the copies
// this replica keeps.
//
// The limit is soft: the garbage collector runs more often as the heap
// nears it, so garbage from finished renders is collected before it
// doubles the heap (GOGC's default growth), which is what made the peak
// of a burst of cold renders vary so much from run to run. Live memory is
// never refused: memory above the limit only makes the collector work
// harder. Memory that C code allocates (libjpeg-turbo's buffers) is not
// counted.
func MemoryLimit(opts Options) int64 {
	images, outputs := opts.ImageCacheBytes, opts.OutputCacheBytes
	if images == 0 {
		images = DefaultImageCacheBytes
	}
	if outputs == 0 {
		outputs = DefaultOutputCacheBytes
	}
	turns := opts.Concurrency
	if turns <= 0 {
		turns = runtime.NumCPU()
	}
	shared := int64(0)
	if opts.Peers != nil {
		shared = max(opts.Peers.SourceBytes, 0) + max(outputs, 0)
	}
	return max(images, 0) + max(outputs, 0) + shared + int64(turns)*(decodeTurnBytes+drawingTurns*drawingTurnBytes) + baseBytes
}
