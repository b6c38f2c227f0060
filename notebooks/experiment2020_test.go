package notebooks_test

// experiment2020 lists the 2020 figure notebooks converted to the experiment form (see experimentNotebooks).
var experiment2020 = map[string]bool{
	"2020-fig05": true,
	"2020-fig07": true,
	"2020-fig08": true,
	"2020-fig09": true,
	"2020-fig10": true,
	"2020-fig11": true,
	"2020-fig12": true,
	"2020-fig13": true,
	"2020-fig14": true,
	"2020-fig15": true,
	"2020-fig16": true,
	"2020-fig17": true,
	"2020-table1": true,
}
