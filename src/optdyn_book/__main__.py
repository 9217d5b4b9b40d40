from optdyn_book.cli import main

raise SystemExit(main())
