package notebooks_test

// experiment2021 lists the 2021 figure notebooks converted to the experiment form (see experimentNotebooks).
var experiment2021 = map[string]bool{
	"2021-fig05":   true,
	"2021-fig06":   true,
	"2021-fig07":   true,
	"2021-fig04":   true,
	"2021-figS1":   true,
	"2021-figS2":   true,
	"2021-figS3":   true,
	"2021-figS4":   true,
	"2021-figS5":   true,
	"2021-figS6":   true,
	"2021-figS7":   true,
	"2021-figS8":   true,
	"2021-figS9":   true,
	"2021-figS10":  true,
	"2021-figS11":  true,
	"2021-figS12":  true,
	"2021-table2":  true,
	"2021-speedup": true,
	"2021-fig08":   true,
	"2021-fig09":   true,
	"2021-fig10":   true,
	"2021-fig11":   true,
	"2021-fig01":   true,
	"2021-table1":  true,
}
