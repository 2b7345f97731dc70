;;; test.el --- batch test of editors/emacs/sigil-mode.el  -*- lexical-binding: t; -*-
;; Driven by run.sh: emacs --batch -Q -l test.el
;; Environment: SIGIL_MODE_EL, SIGIL_WORKSPACE (scratch copy of examples/),
;; SIGIL_BIN (the sigil binary, for the eglot check), SIGIL_OUT (results file).

(require 'cl-lib)
(require 'bytecomp)
(require 'subr-x)
(require 'flymake)

(defvar sigil-test-out (getenv "SIGIL_OUT"))
(defvar sigil-test-ws (file-name-as-directory (getenv "SIGIL_WORKSPACE")))

(defun sigil-test-check (name ok &optional detail)
  "Record check NAME as passed when OK, else failed with DETAIL."
  (let ((line (if ok (format "ok   %s\n" name)
                (format "FAIL %s%s\n" name (if detail (format ": %s" detail) "")))))
    (write-region line nil sigil-test-out t 'silent))
  ok)

(defun sigil-test-skip (name why)
  (write-region (format "skip %s: %s\n" name why) nil sigil-test-out t 'silent))

(defun sigil-test-faces-at (pos)
  (let ((f (get-text-property pos 'face)))
    (if (listp f) f (list f))))

(defun sigil-test-face (line-has needle face &optional nth)
  "Check that NEEDLE on the first line containing LINE-HAS has FACE."
  (save-excursion
    (goto-char (point-min))
    (if (not (search-forward line-has nil t))
        (sigil-test-check (format "%s: line %S" (buffer-name) line-has) nil "not found")
      (beginning-of-line)
      (let ((eol (line-end-position)) (found nil) (case-fold-search nil)
            ;; a word-like needle is searched as a whole symbol
            (re (if (string-match-p "\\`[A-Za-z0-9_]+\\'" needle)
                    (concat "\\_<" (regexp-quote needle) "\\_>")
                  (regexp-quote needle))))
        (dotimes (_ (1+ (or nth 0)))
          (setq found (re-search-forward re eol t)))
        (if (not found)
            (sigil-test-check (format "%s: %S on line %S" (buffer-name) needle line-has) nil "not found")
          (let ((faces (sigil-test-faces-at (- (point) (length needle)))))
            (sigil-test-check (format "%s: %S in %S has %s" (buffer-name) needle line-has face)
                              (memq face faces) (format "faces %S" faces))))))))

(defun sigil-test-main ()
  ;; 1. loading: byte-compiles without warnings, loads, registers *.sg
  (let* ((src (getenv "SIGIL_MODE_EL"))
         (tmpdir (make-temp-file "sigil-el" t))
         (elc (expand-file-name "sigil-mode.elc" tmpdir))
         (byte-compile-dest-file-function (lambda (_) elc))
         (warnings nil))
    (unwind-protect
        (let ((byte-compile-log-buffer "*sigil-compile*"))
          (with-current-buffer (get-buffer-create "*sigil-compile*") (erase-buffer))
          (let ((ok (byte-compile-file src)))
            (setq warnings (with-current-buffer "*sigil-compile*"
                             (string-trim (buffer-string))))
            (sigil-test-check "sigil-mode.el byte-compiles" ok warnings)
            (sigil-test-check "byte-compiling gives no warnings"
                              (not (string-match-p "Warning\\|Error" warnings)) warnings)))
      (delete-directory tmpdir t))
    (load src nil t)
    (sigil-test-check "sigil-mode is defined" (fboundp 'sigil-mode))
    (sigil-test-check "feature sigil-mode" (featurep 'sigil-mode)))

  ;; 2. a .sg file gets sigil-mode, with comment settings
  (let ((buf (find-file-noselect (expand-file-name "main.sg" sigil-test-ws))))
    (with-current-buffer buf
      (sigil-test-check "main.sg is in sigil-mode" (eq major-mode 'sigil-mode) (format "%S" major-mode))
      (sigil-test-check "comment-start is \"// \"" (equal comment-start "// ") comment-start)
      (font-lock-ensure)
      (sigil-test-face "// A tiny library" "tiny" 'font-lock-comment-face)
      (sigil-test-face "import lib.book as bk" "import" 'font-lock-keyword-face)
      (sigil-test-face "import lib.book as bk" "as" 'font-lock-keyword-face)
      (sigil-test-face "const TODAY" "const" 'font-lock-keyword-face)
      (sigil-test-face "const TODAY" "TODAY" 'font-lock-constant-face)
      (sigil-test-face "const TODAY" "Int" 'font-lock-type-face)
      (sigil-test-face "const TODAY" "45" 'sigil-number-face)
      (sigil-test-face "fn stock()" "fn" 'font-lock-keyword-face)
      (sigil-test-face "fn stock()" "stock" 'font-lock-function-name-face)
      (sigil-test-face "fn stock()" "Catalog" 'font-lock-type-face)
      (sigil-test-face "\"Dune\"" "Dune" 'font-lock-string-face)
      (sigil-test-face "\"Dune\"" "1965" 'sigil-number-face)
      (sigil-test-face "let mut current" "let" 'font-lock-keyword-face)
      (sigil-test-face "let mut current" "mut" 'font-lock-keyword-face)
      (sigil-test-face "let mut current" "current" 'font-lock-variable-name-face)
      (sigil-test-face "for isbn in isbns" "for" 'font-lock-keyword-face)
      (sigil-test-face "for isbn in isbns" "in" 'font-lock-keyword-face)
      (sigil-test-face "match catalog.lend" "match" 'font-lock-keyword-face)
      (sigil-test-face "let total: Float" "Float" 'font-lock-type-face)
      (sigil-test-face "let total: Float" "E201" 'font-lock-comment-face)
      (sigil-test-face "Some(k) => k" "Some" 'font-lock-type-face)
      ;; indentation: re-indenting the file changes nothing
      (let ((before (buffer-string)))
        (indent-region (point-min) (point-max))
        (sigil-test-check "indent-region keeps main.sg as it is" (equal before (buffer-string))
                          (let ((a (split-string before "\n")) (b (split-string (buffer-string) "\n")) (i 0))
                            (while (and a b (equal (car a) (car b))) (setq a (cdr a) b (cdr b) i (1+ i)))
                            (format "line %d: %S" (1+ i) (car b))))
        (set-buffer-modified-p nil))))

  ;; 3. every literal form
  (let ((file (expand-file-name "literals.sg" sigil-test-ws)))
    (with-temp-file file
      (insert "/// Doc comment for ANSWER.\n"
              "/* a block\n   comment let x */\n"
              "pub const ANSWER: Int = 42\n"
              "const MASK: Int = 0xFF_ff\n"
              "const BIG: Int = 1_000_000\n"
              "const PI: Float = 3.14_15 + 1e9 + 2.5e-3\n"
              "const S: String = \"a\\tb\\\\c\\\"d\\u{1F600}e // no comment\"\n"
              "const BAD: String = \"bad \\q escape\"\n"
              "const WRONG: Int = 1__0 + 0X1\n"
              "const B: Bool = true && !false\n"
              "pub extern fn print(s: String) -> Unit\n"
              "pub struct Point[T] { x: T }\n"
              "const U: String = \"unterminated\n"
              "const AFTER: Int = 7\n"))
    (with-current-buffer (find-file-noselect file)
      (sigil-test-check "literals.sg is in sigil-mode" (eq major-mode 'sigil-mode))
      (font-lock-ensure)
      (sigil-test-face "/// Doc" "Doc" 'font-lock-doc-face)
      (sigil-test-face "/* a block" "block" 'font-lock-comment-face)
      (sigil-test-face "comment let x" "let" 'font-lock-comment-face)
      (sigil-test-face "pub const ANSWER" "pub" 'font-lock-keyword-face)
      (sigil-test-face "0xFF_ff" "0xFF_ff" 'sigil-number-face)
      (sigil-test-face "1_000_000" "1_000_000" 'sigil-number-face)
      (sigil-test-face "3.14_15" "3.14_15" 'sigil-number-face)
      (sigil-test-face "3.14_15" "1e9" 'sigil-number-face)
      (sigil-test-face "3.14_15" "2.5e-3" 'sigil-number-face)
      (sigil-test-face "const S:" "\"a" 'font-lock-string-face)
      (sigil-test-face "const S:" "\\t" 'sigil-escape-face)
      (sigil-test-face "const S:" "\\\\" 'sigil-escape-face)
      (sigil-test-face "const S:" "\\\"" 'sigil-escape-face)
      (sigil-test-face "const S:" "\\u{1F600}" 'sigil-escape-face)
      (sigil-test-face "const S:" "// no" 'font-lock-string-face)
      (sigil-test-face "const BAD" "\\q" 'sigil-invalid-face)
      (sigil-test-face "const WRONG" "1__0" 'sigil-invalid-face)
      (sigil-test-face "const WRONG" "0X1" 'sigil-invalid-face)
      (sigil-test-face "const B:" "true" 'font-lock-constant-face)
      (sigil-test-face "const B:" "false" 'font-lock-constant-face)
      (sigil-test-face "pub extern fn" "extern" 'font-lock-keyword-face)
      (sigil-test-face "pub extern fn" "print" 'font-lock-function-name-face)
      (sigil-test-face "pub extern fn" "Unit" 'font-lock-type-face)
      (sigil-test-face "pub struct" "Point" 'font-lock-type-face)
      (sigil-test-face "\"unterminated" "unterminated" 'font-lock-string-face)
      (sigil-test-face "const AFTER" "const" 'font-lock-keyword-face)
      (sigil-test-face "const AFTER" "7" 'sigil-number-face)
      ;; comment commands use //
      (goto-char (point-max))
      (insert "let y = 1")
      (comment-region (line-beginning-position) (line-end-position))
      (sigil-test-check "comment-region uses //"
                        (equal (buffer-substring (line-beginning-position) (line-end-position)) "// let y = 1")
                        (buffer-substring (line-beginning-position) (line-end-position)))
      (set-buffer-modified-p nil))
    (delete-file file))

  ;; 4. eglot: the registration, and a real session with the server
  (if (not (require 'eglot nil t))
      (sigil-test-skip "eglot" "eglot is not installed (Debian 12: apt-get install elpa-eglot)")
    (let ((entry (assoc 'sigil-mode eglot-server-programs)))
      (sigil-test-check "eglot-server-programs has (sigil-mode \"sigil\" \"--lsp\")"
                        (equal entry '(sigil-mode "sigil" "--lsp")) (format "%S" entry)))
    (let* ((bin (getenv "SIGIL_BIN"))
           (exec-path (cons (file-name-directory bin) exec-path))
           (process-environment (cons (concat "PATH=" (file-name-directory bin) path-separator (getenv "PATH"))
                                      process-environment))
           (eglot-sync-connect 10)
           (buf (find-file-noselect (expand-file-name "main.sg" sigil-test-ws)))
           server)
      (with-current-buffer buf
        (condition-case err
            (progn
              ;; the workspace is examples/ inside a directory with .git/:
              ;; its sigil.json wins over the VCS root
              (sigil-test-check "project root: the nearest sigil.json, not .git"
                                (equal (project-root (project-current)) (file-name-as-directory sigil-test-ws))
                                (format "%S" (project-current)))
              (let* ((tmp (make-temp-file "sigil-proj" t))
                     (file (expand-file-name "src/x.sg" tmp)))
                (make-directory (expand-file-name ".git" tmp) t)
                (make-directory (expand-file-name "src" tmp) t)
                (write-region "fn main() {}\n" nil file)
                (with-current-buffer (find-file-noselect file)
                  (sigil-test-check "project root without sigil.json: the VCS root"
                                    (equal (expand-file-name (project-root (project-current)))
                                           (file-name-as-directory tmp))
                                    (format "%S" (project-current)))
                  (kill-buffer))
                (delete-directory tmp t))
              (apply #'eglot (eglot--guess-contact))
              (setq server (eglot-current-server))
              (sigil-test-check "eglot connected to sigil --lsp" server)
              (when server
                (sigil-test-check "the server runs `sigil --lsp' from PATH"
                                  (equal (process-command (jsonrpc--process server))
                                         (list "sigil" "--lsp"))
                                  (format "%S" (process-command (jsonrpc--process server))))
                (let ((deadline (+ (float-time) 15)) diags)
                  ;; Without a command loop (batch mode) flymake does not start its
                  ;; backends by itself: start it, eglot's backend then reports
                  ;; what the server published.
                  (while (and (null (setq diags (flymake-diagnostics))) (< (float-time) deadline))
                    (accept-process-output nil 0.1)
                    (when (bound-and-true-p flymake-mode) (flymake-start)))
                  (accept-process-output nil 0.3)
                  (setq diags (flymake-diagnostics))
                  (when (sigil-test-check "eglot: diagnostics arrive in flymake" diags "none within 15 s")
                    (sigil-test-check "eglot: exactly one diagnostic" (= (length diags) 1)
                                      (format "%S" (mapcar #'flymake-diagnostic-text diags)))
                    (let ((d (car diags)))
                      (sigil-test-check "eglot: the diagnostic is on line 65 (0-based 64)"
                                        (= (line-number-at-pos (flymake-diagnostic-beg d)) 65)
                                        (format "line %d" (line-number-at-pos (flymake-diagnostic-beg d))))
                      (sigil-test-check "eglot: the diagnostic is the E201 type mismatch"
                                        (string-match-p "expected Float, found Int" (flymake-diagnostic-text d))
                                        (flymake-diagnostic-text d)))))
                (sigil-test-check "eglot: the server's root is the workspace"
                                  (equal (project-root (eglot--project server)) (file-name-as-directory sigil-test-ws))
                                  (format "%S" (eglot--project server)))
                (eglot-shutdown server)
                (sigil-test-check "eglot: server shut down" (not (process-live-p (jsonrpc--process server))))))
          (error (sigil-test-check "eglot session" nil (format "%S" err))))))))

(condition-case err
    (progn (sigil-test-main)
           (sigil-test-check "no Emacs error" t))
  (error (sigil-test-check "no Emacs error" nil (format "%S" err))))
(kill-emacs 0)
