/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder until the config tests land: fails on purpose */
int main(void) { return 1; }
