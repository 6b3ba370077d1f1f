/* Telling whether this process is a fork() child of the one that created something, cheaply enough to
 * ask on every call (a session must never use its parent's connections). */
#ifndef ONESIGNAL_FORK_GUARD_H
#define ONESIGNAL_FORK_GUARD_H

#include "visibility.h"

OS_HIDDEN_BEGIN

/* A value that differs in every forked child from what it was in the parent. Remember it when creating
 * something; a different value later means the process forked in between. */
unsigned long os_fork_generation(void);

OS_HIDDEN_END

#endif
