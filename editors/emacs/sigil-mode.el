;;; sigil-mode.el --- Major mode for the Sigil language  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "26.1"))
;; Keywords: languages
;; URL: editors/emacs in the sigil repository

;;; Commentary:

;; A major mode for Sigil (*.sg): font-lock for keywords, types, function
;; names, numbers, strings (with escapes) and comments (`//', `/* */', and
;; `///' doc comments), comment syntax, indentation by bracket depth, imenu.
;;
;; The language server `sigil --lsp' is registered with eglot:
;;
;;   (add-to-list 'load-path "/path/to/sigil/editors/emacs")
;;   (require 'sigil-mode)
;;   (add-hook 'sigil-mode-hook #'eglot-ensure)   ; optional: start it automatically
;;
;; Eglot (built in since Emacs 29; the package `elpa-eglot' on Debian 12)
;; then runs "sigil --lsp" from PATH.

;;; Code:

(eval-when-compile (require 'cl-lib))

(defgroup sigil nil
  "Support for the Sigil language."
  :group 'languages
  :prefix "sigil-")

(defcustom sigil-indent-offset 4
  "Indentation of Sigil code, per level of brackets."
  :type 'integer
  :safe #'integerp)

(defface sigil-number-face
  '((t :inherit font-lock-constant-face))
  "Face for Sigil number literals.")

(defface sigil-escape-face
  '((t :inherit font-lock-regexp-grouping-backslash))
  "Face for escape sequences in Sigil strings.")

(defface sigil-invalid-face
  '((t :inherit font-lock-warning-face))
  "Face for malformed Sigil literals (unknown escapes, `1__0', `0X1').")

(defconst sigil-keywords
  '("import" "as" "pub" "fn" "struct" "enum" "type" "const" "extern" "let" "mut"
    "if" "else" "match" "for" "in" "while" "return" "break" "continue")
  "Sigil keywords, except `true' and `false'.")

(defconst sigil-builtin-types '("Int" "Float" "Bool" "String" "Unit" "List")
  "Sigil's built-in types.")

(defconst sigil--ident "[A-Za-z_][A-Za-z0-9_]*")

(defvar sigil-mode-syntax-table
  (let ((st (make-syntax-table)))
    ;; `//' comments (style b) end at a newline; `/* */' (style a) do not nest.
    (modify-syntax-entry ?/ ". 124b" st)
    (modify-syntax-entry ?* ". 23" st)
    (modify-syntax-entry ?\n "> b" st)
    (modify-syntax-entry ?\r "> b" st)
    (modify-syntax-entry ?\" "\"" st)
    (modify-syntax-entry ?\\ "\\" st)
    (modify-syntax-entry ?_ "_" st)
    (dolist (c '(?+ ?- ?% ?< ?> ?= ?! ?& ?| ?. ?, ?: ?\;))
      (modify-syntax-entry c "." st))
    (modify-syntax-entry ?' "." st)
    st)
  "Syntax table for `sigil-mode'.")

(defun sigil--in-string-p (pos)
  "Non-nil when POS is inside a string."
  (save-excursion (nth 3 (syntax-ppss pos))))

(defun sigil--match-in-string (regexp)
  "Return a font-lock matcher finding REGEXP inside strings only."
  (lambda (limit)
    (let (found)
      (while (and (not found) (re-search-forward regexp limit t))
        (when (sigil--in-string-p (match-beginning 0))
          (setq found t)))
      found)))

(defun sigil--match-outside-comments (regexp)
  "Return a font-lock matcher finding REGEXP outside strings and comments."
  (lambda (limit)
    (let (found)
      (while (and (not found) (re-search-forward regexp limit t))
        (let ((ppss (save-excursion (syntax-ppss (match-beginning 0)))))
          (unless (or (nth 3 ppss) (nth 4 ppss))
            (setq found t))))
      found)))

(defconst sigil-font-lock-keywords
  (let ((id sigil--ident))
    `(;; declarations: the name after fn, struct/enum/type, const, let [mut]
      (,(concat "\\_<fn\\_>[ \t]+\\(" id "\\)") 1 font-lock-function-name-face)
      (,(concat "\\_<\\(?:struct\\|enum\\|type\\)\\_>[ \t]+\\(" id "\\)") 1 font-lock-type-face)
      (,(concat "\\_<const\\_>[ \t]+\\(" id "\\)") 1 font-lock-constant-face)
      (,(concat "\\_<let\\_>[ \t]+\\(?:mut[ \t]+\\)?\\(" id "\\)") 1 font-lock-variable-name-face)
      (,(concat "\\_<import\\_>[ \t]+\\(" id "\\(?:\\." id "\\)*\\)") 1 font-lock-constant-face)
      (,(regexp-opt sigil-keywords 'symbols) . font-lock-keyword-face)
      (,(regexp-opt '("true" "false") 'symbols) . font-lock-constant-face)
      (,(regexp-opt sigil-builtin-types 'symbols) . font-lock-type-face)
      ;; capitalized identifiers: structs, enums, constructors, type parameters
      ("\\_<[A-Z][A-Za-z0-9_]*\\_>" . font-lock-type-face)
      ;; numbers: hex, float, decimal; anything else starting with a digit is malformed
      (,(sigil--match-outside-comments
         "\\_<\\(?:0x[0-9A-Fa-f]\\(?:_?[0-9A-Fa-f]\\)*\\|[0-9]\\(?:_?[0-9]\\)*\\(?:\\.[0-9]\\(?:_?[0-9]\\)*\\)?\\(?:[eE][-+]?[0-9]+\\)?\\)\\_>")
       0 'sigil-number-face)
      (,(sigil--match-outside-comments "\\_<[0-9][0-9A-Za-z_]*\\_>") 0 'sigil-invalid-face keep)
      ;; escapes inside strings: \n \t \r \\ \" \0 \u{1F600}; any other is invalid
      (,(sigil--match-in-string
         "\\(\\\\\\(?:[ntr\\\"0]\\|u{[0-9A-Fa-f]\\{1,6\\}}\\)\\)\\|\\(\\\\.?\\)")
       (1 'sigil-escape-face prepend t)
       (2 'sigil-invalid-face prepend t))))
  "Font-lock keywords for `sigil-mode'.")

(defun sigil--syntactic-face (state)
  "Face for the string or comment described by the `syntax-ppss' STATE.
Comments starting with `///' are doc comments."
  (cond
   ((nth 3 state) font-lock-string-face)
   ((and (nth 4 state)
         (save-excursion
           (goto-char (nth 8 state))
           (looking-at "///")))
    font-lock-doc-face)
   (t font-lock-comment-face)))

(defun sigil--syntax-propertize (start end)
  "Make unterminated strings between START and END stop at the end of their line.
A Sigil string literal never spans lines: the opening quote and the newline
of an unterminated one become string fences."
  (goto-char start)
  (while (re-search-forward "\n" end t)
    (let* ((nl (match-beginning 0))
           (ppss (save-excursion (syntax-ppss nl))))
      (when (and (nth 3 ppss) (nth 8 ppss))
        (let ((open (nth 8 ppss)))
          (put-text-property open (1+ open) 'syntax-table (string-to-syntax "|"))
          (put-text-property nl (1+ nl) 'syntax-table (string-to-syntax "|"))
          (syntax-ppss-flush-cache open))))))

(defun sigil-indent-line ()
  "Indent the current line by the depth of the brackets around it."
  (interactive)
  (let* ((savep (point))
         (indent
          (save-excursion
            (back-to-indentation)
            (let* ((ppss (syntax-ppss))
                   (depth (car ppss)))
              (cond
               ((nth 4 ppss)            ; inside a block comment: keep it
                (current-indentation))
               (t
                (when (looking-at "[]})]") (setq depth (1- depth)))
                (* sigil-indent-offset (max 0 depth))))))))
    (if (<= savep (save-excursion (back-to-indentation) (point)))
        (indent-line-to indent)
      (save-excursion (indent-line-to indent)))))

(defvar sigil-imenu-generic-expression
  `(("Functions" ,(concat "^[ \t]*\\(?:pub[ \t]+\\)?\\(?:extern[ \t]+\\)?fn[ \t]+\\(" sigil--ident "\\)") 1)
    ("Types" ,(concat "^[ \t]*\\(?:pub[ \t]+\\)?\\(?:extern[ \t]+\\)?\\(?:struct\\|enum\\|type\\)[ \t]+\\(" sigil--ident "\\)") 1)
    ("Constants" ,(concat "^[ \t]*\\(?:pub[ \t]+\\)?const[ \t]+\\(" sigil--ident "\\)") 1))
  "Imenu index of `sigil-mode' buffers.")

;;;###autoload
(define-derived-mode sigil-mode prog-mode "Sigil"
  "Major mode for editing Sigil source files (*.sg).

\\{sigil-mode-map}"
  :syntax-table sigil-mode-syntax-table
  :group 'sigil
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "\\(?://+\\|/\\*+\\)\\s-*")
  (setq-local comment-end-skip "[ \t]*\\(?:\n\\|\\*+/\\)")
  (setq-local comment-use-syntax t)
  (setq-local font-lock-defaults
              '(sigil-font-lock-keywords nil nil nil nil
                (font-lock-syntactic-face-function . sigil--syntactic-face)))
  (setq-local syntax-propertize-function #'sigil--syntax-propertize)
  (setq-local indent-line-function #'sigil-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local electric-indent-chars (append "{}()[]" electric-indent-chars))
  (setq-local imenu-generic-expression sigil-imenu-generic-expression))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.sg\\'" . sigil-mode))

;; The language server, for eglot (built in since Emacs 29).
(defvar eglot-server-programs)
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs '(sigil-mode "sigil" "--lsp")))

;; The workspace root.  Module names are paths relative to it, so for a Sigil
;; buffer the project (which eglot gives the server as its root) is the
;; nearest directory holding sigil.json; without one, project.el's usual
;; backends (the VCS root) decide.
(defun sigil-project-find (dir)
  "The Sigil workspace containing DIR, for `project-find-functions'.
Only in `sigil-mode' buffers: the nearest directory with sigil.json."
  (when (derived-mode-p 'sigil-mode)
    (let ((root (locate-dominating-file dir "sigil.json")))
      (and root (cons 'sigil (file-name-as-directory (expand-file-name root)))))))

(with-eval-after-load 'project
  (cl-defmethod project-root ((project (head sigil)))
    (cdr project))
  (add-hook 'project-find-functions #'sigil-project-find))

(provide 'sigil-mode)

;;; sigil-mode.el ends here
