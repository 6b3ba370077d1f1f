/* Which symbols the core exports: luaopen_onesignal_core only. Every other function or variable with
 * external linkage is shared between the core's own files, and each header of src/ declares its symbols
 * between OS_HIDDEN_BEGIN and OS_HIDDEN_END, so they are hidden (not in the module's dynamic symbol table).
 * Beyond a clean module, that lets the compiler bind calls between the core's files directly instead of
 * through the PLT, and inline a function into callers in its own file: with default visibility under
 * -fPIC every such call may be interposed by another library, so it can be neither. Said in the sources
 * rather than with -fvisibility=hidden so that every build has it, the rockspec's too (LuaRocks takes no
 * compiler flags per module).
 *
 * The bracket goes after a header's #include lines: the pragma applies to declarations as well, and a
 * function of libcurl, Lua or libc declared hidden would fail the link. */
#ifndef ONESIGNAL_VISIBILITY_H
#define ONESIGNAL_VISIBILITY_H

#if defined(__GNUC__) || defined(__clang__)
#define OS_HIDDEN_BEGIN _Pragma("GCC visibility push(hidden)")
#define OS_HIDDEN_END _Pragma("GCC visibility pop")
#define OS_EXPORT __attribute__((visibility("default")))
#else
#define OS_HIDDEN_BEGIN
#define OS_HIDDEN_END
#define OS_EXPORT
#endif

#endif
