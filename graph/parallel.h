// Threads. nabla's parallel work is Eigen's GEMM, which runs OpenMP
// threads; elementwise ops are memory-bound and stay on the calling thread.
//
// The default is one thread, or NABLA_NUM_THREADS when set: OpenMP threads
// spin while they wait, and on a loaded machine (a test suite running test
// binaries side by side) oversubscribed spinning made a small model 60x
// slower. Programs that own the machine ask for more (`nabla train
// --threads 2`, or SetNumThreads(0) for every core).
#ifndef NABLA_GRAPH_PARALLEL_H_
#define NABLA_GRAPH_PARALLEL_H_

namespace nabla {

// n > 0: that many threads; 0: one per core.
void SetNumThreads(int n);
int NumThreads();

namespace internal {
// Applies the default once per process; called when the first op is built.
void InitThreadsOnce();
}  // namespace internal

}  // namespace nabla

#endif  // NABLA_GRAPH_PARALLEL_H_
