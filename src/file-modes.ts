// Permissions of what QuietBand writes in its data dir: private to the daemon's user (alerts, clips, reports, logs).

/** Mode of every file the daemon writes in its data dir: owner read/write only (0600). */
export const DATA_FILE_MODE = 0o600;
/** Mode of the data dir and of the folders the daemon makes in it: owner only (0700). */
export const DATA_DIR_MODE = 0o700;
