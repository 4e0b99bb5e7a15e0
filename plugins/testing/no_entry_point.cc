// A shared library that is not a nabla plugin: no nabla_plugin_info.
extern "C" int some_other_function(void) { return 42; }
