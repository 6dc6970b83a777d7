package blob_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-go/stratus/blob"
)

func newDir(t *testing.T, path string) *blob.Dir {
	t.Helper()
	d, err := blob.NewDir(path, withMock(blob.Config{}))
	require.NoError(t, err)
	return d
}

// tempFiles lists the entries of a Dir's tmp folder.
func tempFiles(t *testing.T, d *blob.Dir) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(d.Root(), "tmp"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// objectFiles lists the files under a Dir's objects folder.
func objectFiles(t *testing.T, d *blob.Dir) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(d.Root(), "objects"), func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, path)
		}
		return err
	})
	require.NoError(t, err)
	return files
}

func TestDirKeysStayInsideRoot(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	d := newDir(t, root)
	for _, key := range oddKeys {
		put(t, d, key, "body of "+key, blob.PutOptions{})
	}

	// Nothing outside the root; inside it, only objects/xx/<64 hex digits>.
	var files int
	err := filepath.WalkDir(parent, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		require.NoError(t, err)
		if path == parent {
			return nil
		}
		require.False(t, rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)), "%s is outside the root", path)
		if e.IsDir() {
			shard := filepath.Dir(rel) == "objects" && len(filepath.Base(rel)) == 2
			require.True(t, rel == "." || rel == "objects" || rel == "tmp" || shard, "folder %s", rel)
			return nil
		}
		parts := strings.Split(rel, string(filepath.Separator))
		require.Len(t, parts, 3, rel)
		require.Equal(t, "objects", parts[0])
		require.Len(t, parts[2], 64)
		require.Equal(t, parts[1], parts[2][:2])
		files++
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, len(oddKeys), files)
	require.Empty(t, tempFiles(t, d))

	again := newDir(t, root)
	for _, key := range oddKeys {
		body, _ := get(t, again, key)
		require.Equal(t, "body of "+key, body)
	}
}

func TestDirReopenSeesObjects(t *testing.T) {
	root := t.TempDir()
	d := newDir(t, root)
	put(t, d, "a", "alpha", blob.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"n": "1"}})
	put(t, d, "b/c", "", blob.PutOptions{})
	put(t, d, "gone", "x", blob.PutOptions{})
	put(t, d, "a", "alpha two", blob.PutOptions{Metadata: map[string]string{"n": "2", "Upper": "Q"}})
	require.NoError(t, d.Delete(ctx, "gone"))
	before := snapshot(t, d)

	again, err := blob.NewDir(root, blob.Config{Name: "renamed"})
	require.NoError(t, err)
	require.Equal(t, "renamed", again.Name())
	require.Equal(t, before, snapshot(t, again))
	require.Equal(t, 2, again.Len())
	require.Len(t, objectFiles(t, again), 2)
}

var errCrash = errors.New("simulated crash")

func TestDirCrashBeforeRenameKeepsOldObject(t *testing.T) {
	root := t.TempDir()
	d := newDir(t, root)
	put(t, d, "k", "old", blob.PutOptions{})
	blob.SetBeforeRename(d, func() error { return errCrash })

	_, err := d.Put(ctx, "k", strings.NewReader("new"), blob.PutOptions{})
	require.ErrorIs(t, err, errCrash)
	_, err = d.Put(ctx, "fresh", strings.NewReader("new"), blob.PutOptions{})
	require.ErrorIs(t, err, errCrash)
	require.Len(t, tempFiles(t, d), 2, "the process died with its temp files written")

	// the process restarts
	again := newDir(t, root)
	body, info := get(t, again, "k")
	require.Equal(t, "old", body)
	require.Equal(t, md5hex("old"), info.ETag)
	_, err = again.Head(ctx, "fresh")
	require.ErrorIs(t, err, blob.ErrNotFound)
	require.Empty(t, tempFiles(t, again), "leftover temp files are removed")
	require.Len(t, objectFiles(t, again), 1)
}

func TestDirLeftoverTempFilesRemoved(t *testing.T) {
	root := t.TempDir()
	d := newDir(t, root)
	put(t, d, "k", "kept", blob.PutOptions{})
	tmp := filepath.Join(root, "tmp")
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "put-123"), []byte("half an obj"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "put-456"), nil, 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(tmp, "sub", "deeper"), 0o755))

	again := newDir(t, root)
	require.Empty(t, tempFiles(t, again))
	body, _ := get(t, again, "k")
	require.Equal(t, "kept", body)
}

func TestDirIgnoresFilesNotItsOwn(t *testing.T) {
	root := t.TempDir()
	d := newDir(t, root)
	put(t, d, "k", "kept", blob.PutOptions{})
	require.NoError(t, os.WriteFile(filepath.Join(root, "README"), []byte("hi"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(root, "objects", "notes.txt"), []byte("hi"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "objects", "zz"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "objects", "zz", "x"), []byte("hi"), 0o600))

	again := newDir(t, root)
	require.Equal(t, []string{"k"}, keys(t, again, "", 0))
}

func TestDirCorruptObjectFile(t *testing.T) {
	cases := map[string]func(t *testing.T, file string, d *blob.Dir){
		"truncated": func(t *testing.T, file string, _ *blob.Dir) {
			st, err := os.Stat(file)
			require.NoError(t, err)
			require.NoError(t, os.Truncate(file, st.Size()-1))
		},
		"grown": func(t *testing.T, file string, _ *blob.Dir) {
			f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.Write([]byte("!"))
			require.NoError(t, err)
			require.NoError(t, f.Close())
		},
		"garbage": func(t *testing.T, file string, _ *blob.Dir) {
			require.NoError(t, os.WriteFile(file, []byte("not an object file at all, no, not at all......"), 0o600))
		},
		"empty": func(t *testing.T, file string, _ *blob.Dir) {
			require.NoError(t, os.WriteFile(file, nil, 0o600))
		},
		"another key's file": func(t *testing.T, file string, d *blob.Dir) {
			put(t, d, "other", "body", blob.PutOptions{})
			require.NoError(t, d.Delete(ctx, "k"))
			for _, f := range objectFiles(t, d) {
				require.NoError(t, os.Rename(f, file))
			}
		},
	}
	for name, corrupt := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			d := newDir(t, root)
			put(t, d, "k", "body", blob.PutOptions{})
			files := objectFiles(t, d)
			require.Len(t, files, 1)
			corrupt(t, files[0], d)
			_, err := blob.NewDir(root, blob.Config{})
			require.ErrorIs(t, err, blob.ErrCorrupt)
			require.ErrorContains(t, err, files[0])
		})
	}
}
