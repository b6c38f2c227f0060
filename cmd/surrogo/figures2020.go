package main

// The 2020 SciNet review's figures and table register with package figures when imported.
import _ "github.com/surrogo/surrogo/pkg/figures/fig2020"
