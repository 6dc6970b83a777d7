package blob

// SetBeforeRename sets a hook that d's Puts run after writing and syncing
// their temp file, before renaming it into place. A hook that returns an
// error stops the Put there, leaving the temp file as a crash would.
func SetBeforeRename(d *Dir, hook func() error) { d.beforeRename = hook }
