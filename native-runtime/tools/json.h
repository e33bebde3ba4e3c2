/* JSON output of the command-line tools (mpxrun, ortbench): numbers and strings to stdout. */
#ifndef MPX_TOOLS_JSON_H
#define MPX_TOOLS_JSON_H

/* A finite number with 9 significant digits; null for NaN and infinities. */
void json_number(double v);
/* A string with quotes, backslashes and control characters escaped. */
void json_string(const char *s);

#endif
