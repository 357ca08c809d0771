// What a process demo forks (an IO worker, the guardian) does to the
// descriptors it inherited: it must not keep the loop device, a capture file
// or a reader's pipe open, nor talk on demo's terminal.
#ifndef SUBMITWATCH_CLI_FORKED_HELPER_H_
#define SUBMITWATCH_CLI_FORKED_HELPER_H_

namespace submitwatch {

// Closes every descriptor from `first` up.
void CloseFrom(int first);
// Points standard input and output (and error unless kept) at /dev/null.
void RedirectStdio(bool keep_stderr);

}  // namespace submitwatch

#endif  // SUBMITWATCH_CLI_FORKED_HELPER_H_
