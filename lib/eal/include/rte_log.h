/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef _RTE_LOG_H_
#define _RTE_LOG_H_

/**
 * @file
 * Logging with levels and log types, as DPDK's rte_log.
 *
 * A message is printed when its level is at or below both the global level
 * and the level of its log type. Messages go to the stream set with
 * rte_openlog_stream(), stderr by default.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported: the libraries build with -fvisibility=hidden (abi.rst). */
#pragma GCC visibility push(default)

/* Log types with fixed ids (same values as DPDK). */
#define RTE_LOGTYPE_EAL 0     /**< the EAL: memory, VFIO, options */
#define RTE_LOGTYPE_MALLOC 1  /**< the malloc heap */
#define RTE_LOGTYPE_PMD 5     /**< drivers */
#define RTE_LOGTYPE_USER1 24  /**< for the application */
#define RTE_LOGTYPE_USER2 25
#define RTE_LOGTYPE_USER3 26
#define RTE_LOGTYPE_USER4 27
#define RTE_LOGTYPE_USER5 28
#define RTE_LOGTYPE_USER6 29
#define RTE_LOGTYPE_USER7 30
#define RTE_LOGTYPE_USER8 31
/** First id handed out by rte_log_register(). */
#define RTE_LOGTYPE_FIRST_EXT_ID 32

/* Levels: lower is more severe. */
#define RTE_LOG_EMERG 1U
#define RTE_LOG_ALERT 2U
#define RTE_LOG_CRIT 3U
#define RTE_LOG_ERR 4U
#define RTE_LOG_WARNING 5U
#define RTE_LOG_NOTICE 6U
#define RTE_LOG_INFO 7U
#define RTE_LOG_DEBUG 8U
#define RTE_LOG_MAX RTE_LOG_DEBUG

/**
 * Send log messages to @p f instead of stderr.
 *
 * @param f the stream, or NULL to go back to stderr
 * @return 0
 */
int rte_openlog_stream(FILE *f);

/** @return the stream log messages go to now */
FILE *rte_log_get_stream(void);

/** Set the global level (messages above it are dropped). */
void rte_log_set_global_level(uint32_t level);

/** @return the global level */
uint32_t rte_log_get_global_level(void);

/**
 * @return the level of @p logtype, or -1 with rte_errno EINVAL when the
 * type does not exist
 */
int rte_log_get_level(uint32_t logtype);

/**
 * Set the level of one log type.
 *
 * @return 0, or -1 with rte_errno EINVAL for an unknown type or a level
 * outside RTE_LOG_EMERG..RTE_LOG_DEBUG
 */
int rte_log_set_level(uint32_t logtype, uint32_t level);

/**
 * Set the level of every log type whose name matches a shell pattern
 * (fnmatch, e.g. "lib.*"); types registered later that match get it too.
 *
 * @return 0, or -1 with rte_errno EINVAL for a NULL pattern or a bad level
 */
int rte_log_set_level_pattern(const char *pattern, uint32_t level);

/**
 * Register a log type by name, or find it if it exists.
 *
 * @return the type id (>= 0), or -1 with rte_errno EINVAL (bad name) or
 * ENOSPC (no room)
 */
int rte_log_register(const char *name);

/**
 * Register a log type and give it @p level_def unless a pattern set earlier
 * matches it.
 *
 * @return as rte_log_register()
 */
int rte_log_register_type_and_pick_level(const char *name, uint32_t level_def);

/** @return the level of the message being logged now in this thread, or -1 */
int rte_log_cur_msg_loglevel(void);

/** @return the log type of the message being logged now in this thread, or -1 */
int rte_log_cur_msg_logtype(void);

/** Print the registered log types and their levels to @p f. */
void rte_log_dump(FILE *f);

/**
 * Log a message.
 *
 * @return 0 (also when the message is filtered out), or -1 when writing failed
 */
int rte_log(uint32_t level, uint32_t logtype, const char *format, ...)
	__rte_format_printf(3, 4);

/** As rte_log() with a va_list. */
int rte_vlog(uint32_t level, uint32_t logtype, const char *format, va_list ap)
	__rte_format_printf(3, 0);

/**
 * Log with a static log type, e.g. RTE_LOG(ERR, USER1, "bad %d\n", x).
 * The type name is printed before the message.
 */
#define RTE_LOG(l, t, ...) \
	rte_log(RTE_LOG_ ## l, RTE_LOGTYPE_ ## t, # t ": " __VA_ARGS__)

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* _RTE_LOG_H_ */
