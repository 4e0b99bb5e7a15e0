// The framework's version. Plugins record the version they were compiled
// against (plugins/plugin_api.h) and the loader refuses any other: the C++
// types that cross into a plugin (OpSchema, Tensor, AttrValue) have no
// stable ABI, so versions must match exactly.
#ifndef NABLA_GRAPH_VERSION_H_
#define NABLA_GRAPH_VERSION_H_

#define NABLA_VERSION_MAJOR 0
#define NABLA_VERSION_MINOR 1
#define NABLA_VERSION_PATCH 0
#define NABLA_VERSION "0.1.0"

#endif  // NABLA_GRAPH_VERSION_H_
